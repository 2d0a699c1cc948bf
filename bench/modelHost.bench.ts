/**
 * The model source from the extension host's side (issue 12, Scale): a GPT-2-small-sized
 * checkpoint (bench/gpt2Checkpoint.ts, 498 MB F32) loaded in the model worker (dist/modelWorker.js,
 * as the extension runs it) while this thread, standing in for the extension host, measures its
 * own event-loop delay (perf_hooks.monitorEventLoopDelay): the host must never stall > 50 ms.
 * Then Show Attention's host-side round trip at n = 128 and n = 512 with the model warm: post the
 * text, the worker tokenizes, runs the forward keeping thumbnails and head averages, recomputes the
 * focused head, builds the view model; the answer is received and deserialized here.
 * Printed, not asserted. Needs `npm run build` first (the bundles are what ships).
 *
 * The checkpoint has no tokenizer of its own: the gpt2 fixture's tokenizer.json (a 270-token
 * byte-level BPE) is placed beside it; its ids are valid in the 50257-token vocabulary.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { ModelClient } from '../src/host/model/client';
import { DEFAULT_VIEW_STATE } from '../src/host/model/engine';
import { ensureGpt2Checkpoint, GPT2_SMALL, type Gpt2Shape } from './gpt2Checkpoint';

const ROOT = path.join(__dirname, '..');
/** Issue 12's "a 0.5 B-parameter model loads without blocking the host": GPT-2's layout at 24 layers × 1280 (537 M parameters, 1.07 GB in F16). */
const HALF_BILLION: Gpt2Shape = { layers: 24, hidden: 1280, heads: 20, vocab: 50257, positions: 1024, dtype: 'F16' };

/** A checkpoint folder as a user has it: the generated weights (linked) and the gpt2 fixture's tokenizer. */
function modelFolder(source: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'headlight-model-host-'));
  for (const name of fs.readdirSync(source)) fs.symlinkSync(path.join(source, name), path.join(dir, name));
  fs.copyFileSync(path.join(ROOT, 'test', 'fixtures', 'models', 'gpt2', 'tokenizer.json'), path.join(dir, 'tokenizer.json'));
  return dir;
}

/** Loads `dir` in the worker while this thread watches its own event loop; prints the load and the longest delay. */
async function timedLoad(client: ModelClient, dir: string, name: string, what: string): Promise<void> {
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  const t0 = performance.now();
  const loaded = await client.request({ op: 'load', dir, name });
  const roundTrip = performance.now() - t0;
  delay.disable();
  console.log(
    `modelHost: load of ${what} in the worker: ${Math.round(loaded.loadMs)} ms (round trip ${Math.round(roundTrip)} ms, ${loaded.threads} thread(s)); ` +
      `host event loop max delay ${(delay.max / 1e6).toFixed(1)} ms, p99 ${(delay.percentile(99) / 1e6).toFixed(1)} ms (target: no stall over 50 ms)`,
  );
}
const WORKER = path.join(ROOT, 'dist', 'modelWorker.js');

function bytesOf(value: unknown): number {
  if (value instanceof ArrayBuffer) return value.byteLength;
  if (Array.isArray(value)) return value.reduce((n: number, v) => n + bytesOf(v), 0);
  if (value !== null && typeof value === 'object') return Object.values(value).reduce((n: number, v) => n + bytesOf(v), 0);
  return 0;
}

async function main(): Promise<void> {
  if (!fs.existsSync(WORKER)) {
    console.log('modelHost: dist/modelWorker.js is missing; run `npm run build` first. Skipped.');
    return;
  }
  const source = ensureGpt2Checkpoint(GPT2_SMALL);
  const dir = modelFolder(source);
  try {
    const bytes = fs.statSync(path.join(source, 'model.safetensors')).size;
    // Delays and times mean little on a machine busier than its cores: say how busy it was.
    console.log(`modelHost: ${os.availableParallelism()} cores, load average ${os.loadavg().map((v) => v.toFixed(1)).join(' ')}`);
    if (process.env.MODEL_HOST_HALF_BILLION !== '0') {
      const big = modelFolder(ensureGpt2Checkpoint(HALF_BILLION));
      const bigClient = new ModelClient(WORKER, (m) => console.log(m));
      try {
        const bigBytes = fs.statSync(path.join(big, 'model.safetensors')).size;
        await timedLoad(bigClient, big, 'gpt2-0.5b-random', `a 537 M-parameter checkpoint (${(bigBytes / 1e6).toFixed(0)} MB F16)`);
      } finally {
        bigClient.dispose();
        fs.rmSync(big, { recursive: true, force: true });
      }
    }
    const client = new ModelClient(WORKER, (m) => console.log(m));
    /** Pass numbers only grow: each run is newer than the last (src/host/model/workerProtocol.ts). */
    let pass = 0;
    const delay = monitorEventLoopDelay({ resolution: 5 });
    try {
      await timedLoad(client, dir, 'gpt2-small-random', `${(bytes / 1e6).toFixed(0)} MB F32`);
      // A sentence repeated: the fixture tokenizer gives ~1 token per 2 characters.
      const sentence = 'the cat sat on the mat and looked at the dog. ';
      for (const n of [128, 512]) {
        let text = sentence;
        while (text.length < n * 3) text += sentence;
        // Cut to n tokens' worth of characters by bisection on the text length.
        let lo = 1, hi = text.length;
        while (lo < hi) {
          const mid = Math.ceil((lo + hi) / 2);
          const count = (await client.request({ op: 'run', text: text.slice(0, mid), state: DEFAULT_VIEW_STATE, pass: ++pass })).tokens.length;
          if (count <= n) lo = mid;
          else hi = mid - 1;
        }
        text = text.slice(0, lo);
        const times: number[] = [];
        let lastBytes = 0, forwardMs = 0, viewMs = 0, tokens = 0;
        delay.reset();
        delay.enable();
        for (let round = 0; round < 3; round++) {
          const started = performance.now();
          const snapshot = await client.request({ op: 'run', text, state: DEFAULT_VIEW_STATE, pass: ++pass });
          times.push(performance.now() - started);
          lastBytes = bytesOf(snapshot);
          forwardMs = snapshot.timings.forwardMs;
          viewMs = snapshot.timings.viewMs;
          tokens = snapshot.tokens.length;
        }
        delay.disable();
        times.sort((a, b) => a - b);
        console.log(
          `modelHost: Show Attention round trip at n = ${tokens} (12 × 12, warm): median ${Math.round(times[1]!)} ms ` +
            `(forward ${Math.round(forwardMs)} ms, view ${Math.round(viewMs)} ms), ${(lastBytes / 1e6).toFixed(2)} MB of buffers to post; ` +
            `host event loop max delay ${(delay.max / 1e6).toFixed(1)} ms (issue targets for the painted panel: 700 ms at 128, 2 s at 512)`,
        );
      }
    } finally {
      client.dispose();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

void main();
