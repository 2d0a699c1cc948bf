/**
 * A helper thread of GemmPool (gemmPool.ts): instantiates the shared-memory GEMM over the pool's
 * WeightArena memory, says 'ready', then sleeps on the job generation word and, for each new job,
 * takes column chunks (a product) or heads (attention) until none is left. It never posts results: C is in the shared memory,
 * attention results in the buffer the caller posted to `port`, and the caller waits on the DONE word. Exits when STOP is set; sets FAILED if a chunk throws.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { instantiateSharedGemm } from '../../core/kernels/sharedGemm';
import { AttentionInbox, CTL, MAX_THREADS_CONTROL_WORDS, readAttentionJob, readJob, runAttentionHeads, runChunks, type GemmWorkerData } from './gemmPool';

const { memory, index, variant, port } = workerData as GemmWorkerData;
const gemm = instantiateSharedGemm(memory, variant);
if (!gemm) {
  parentPort?.postMessage(`the ${variant} shared-memory GEMM does not instantiate in this worker`);
} else {
  const ctl = new Int32Array(memory.buffer, 0, MAX_THREADS_CONTROL_WORDS);
  const inbox = new AttentionInbox(port);
  parentPort?.postMessage('ready');
  let seen = Atomics.load(ctl, CTL.GEN);
  for (;;) {
    Atomics.wait(ctl, CTL.GEN, seen);
    const generation = Atomics.load(ctl, CTL.GEN);
    if (Atomics.load(ctl, CTL.STOP) === 1) break;
    if (generation === seen) continue;
    seen = generation;
    try {
      if (ctl[CTL.KIND] === 1) runAttentionHeads(ctl, generation, memory, readAttentionJob(ctl), index, inbox);
      else {
        const { op, width, chunks, activation } = readJob(ctl);
        runChunks(ctl, generation, gemm, op, width, chunks, index, memory, activation);
      }
    } catch (error) {
      // The caller is blocked waiting for this chunk: tell it, then let the worker die loudly.
      Atomics.store(ctl, CTL.FAILED, 1);
      Atomics.notify(ctl, CTL.DONE);
      throw error;
    }
  }
}
