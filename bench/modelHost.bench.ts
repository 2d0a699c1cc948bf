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
import { ensureGpt2Checkpoint, GPT2_SMALL } from './gpt2Checkpoint';

const ROOT = path.join(__dirname, '..');
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
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'headlight-model-host-'));
  try {
    for (const name of fs.readdirSync(source)) fs.symlinkSync(path.join(source, name), path.join(dir, name));
    fs.copyFileSync(path.join(ROOT, 'test', 'fixtures', 'models', 'gpt2', 'tokenizer.json'), path.join(dir, 'tokenizer.json'));
    const bytes = fs.statSync(path.join(source, 'model.safetensors')).size;
    // Delays and times mean little on a machine busier than its cores: say how busy it was.
    console.log(`modelHost: ${os.availableParallelism()} cores, load average ${os.loadavg().map((v) => v.toFixed(1)).join(' ')}`);
    const client = new ModelClient(WORKER, (m) => console.log(m));
    const delay = monitorEventLoopDelay({ resolution: 5 });
    try {
      delay.enable();
      const t0 = performance.now();
      const loaded = await client.request({ op: 'load', dir, name: 'gpt2-small-random' });
      const roundTrip = performance.now() - t0;
      delay.disable();
      console.log(
        `modelHost: load of ${(bytes / 1e6).toFixed(0)} MB F32 in the worker: ${Math.round(loaded.loadMs)} ms (round trip ${Math.round(roundTrip)} ms, ${loaded.threads} thread(s)); ` +
          `host event loop max delay ${(delay.max / 1e6).toFixed(1)} ms, p99 ${(delay.percentile(99) / 1e6).toFixed(1)} ms (target: no stall over 50 ms)`,
      );
      // A sentence repeated: the fixture tokenizer gives ~1 token per 2 characters.
      const sentence = 'the cat sat on the mat and looked at the dog. ';
      for (const n of [128, 512]) {
        let text = sentence;
        while (text.length < n * 3) text += sentence;
        // Cut to n tokens' worth of characters by bisection on the text length.
        let lo = 1, hi = text.length;
        while (lo < hi) {
          const mid = Math.ceil((lo + hi) / 2);
          const count = (await client.request({ op: 'run', text: text.slice(0, mid), state: DEFAULT_VIEW_STATE })).tokens.length;
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
          const snapshot = await client.request({ op: 'run', text, state: DEFAULT_VIEW_STATE });
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
