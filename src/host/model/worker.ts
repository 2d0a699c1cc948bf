/**
 * The model worker thread: loading, tokenizing, the forward pass and the view model all run
 * here, never on the extension host's thread (a 0.5 B model's load and a 512-token forward take
 * seconds). One worker holds one model; opening another model starts a new worker, and a
 * cancelled load terminates this one. Bundled on its own as dist/modelWorker.js.
 *
 * When the build has the GEMM helper beside this bundle (dist/gemmWorker.js), the weights go into
 * src/model/parallel's shared arena and the big products run on two threads; otherwise one.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { gemmWorkerBeside, ParallelEngine } from '../../model/parallel';
import { EngineHandler, type ParallelSetup } from './handler';
import type { WorkerAnswer, WorkerEnvelope, WorkerProgress } from './workerProtocol';
import { enableRelaxedSimd } from '../../model/parallel/relaxedSimd';

// Before any kernel loads. VS Code's Electron has relaxed SIMD on already (then this does
// nothing); a Node 20 host (the bench's, an older code-server) gets the fused multiply-add GEMM.
enableRelaxedSimd();

let parallel: ParallelEngine | undefined;

async function parallelSetup(): Promise<ParallelSetup | undefined> {
  const script = gemmWorkerBeside(__dirname);
  if (!script) return undefined;
  parallel ??= await ParallelEngine.start({ worker: { script } });
  parallel.install();
  return { allocator: parallel.allocator, threads: parallel.pool.threads };
}

/** The client's shared slot of the newest pass asked for (workerProtocol.ts). */
const passes = (workerData as { passes?: unknown } | undefined)?.passes;
const handler = new EngineHandler(parallelSetup, passes instanceof SharedArrayBuffer ? new Int32Array(passes) : undefined);

parentPort?.on('message', (envelope: WorkerEnvelope) => {
  const started = performance.now();
  // Posted while the pass runs on: the host receives a layer while the next is computed.
  const progress = (part: WorkerProgress['progress']) => parentPort?.postMessage({ id: envelope.id, progress: part } satisfies WorkerProgress);
  handler.handle(envelope.request, progress).then(
    (value) => {
      const answer: WorkerAnswer = { id: envelope.id, ok: true, value, ms: performance.now() - started };
      // Copied, not transferred: the engine keeps the thumbnails it sends for the next snapshot
      // (a few MiB at most; the exact matrices are one head's n², ~2 MiB at 512 tokens).
      parentPort?.postMessage(answer);
    },
    (error: unknown) => {
      const answer: WorkerAnswer = {
        id: envelope.id,
        ok: false,
        message: error instanceof Error ? error.message : String(error),
        name: error instanceof Error ? error.name : 'Error',
      };
      parentPort?.postMessage(answer);
    },
  );
});
