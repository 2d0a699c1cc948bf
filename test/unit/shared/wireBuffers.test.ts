/**
 * src/shared/wireBuffers.ts: a message with more ArrayBuffers than VS Code's RPC can count travels
 * as one buffer and comes back byte for byte (the real 32 × 32 case is in test/e2e/model.test.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_SEPARATE_BUFFERS, packBuffers, unpackBuffers } from '../../../src/shared/wireBuffers';

function message(buffers: number): { type: string; thumbs: { data: ArrayBuffer; max: number }[]; label: string } {
  return {
    type: 'modelSnapshot',
    label: 'L1H1',
    thumbs: Array.from({ length: buffers }, (_, i) => ({ data: Uint8Array.from({ length: (i % 7) + 1 }, (_, j) => (i * 31 + j) % 256).buffer, max: i / buffers })),
  };
}

test('a message with few buffers goes as it is', () => {
  const m = message(MAX_SEPARATE_BUFFERS);
  assert.equal(packBuffers(m), m);
  assert.equal(unpackBuffers(m), m);
});

test('1,100 buffers travel as one and come back byte for byte, the original untouched', () => {
  const m = message(1100);
  const packed = packBuffers(m) as Record<string, unknown>;
  let buffers = 0;
  JSON.stringify(packed, (_k, v: unknown) => {
    if (v instanceof ArrayBuffer) buffers++;
    return v instanceof ArrayBuffer ? null : v;
  });
  assert.equal(buffers, 1);
  assert.ok(m.thumbs[5]!.data instanceof ArrayBuffer, 'the sender keeps its buffers');
  const back = unpackBuffers(structuredClone(packed)) as ReturnType<typeof message>;
  assert.equal(back.thumbs.length, 1100);
  assert.equal(back.label, 'L1H1');
  back.thumbs.forEach((t, i) => {
    assert.ok(t.data instanceof ArrayBuffer);
    assert.deepEqual([...new Uint8Array(t.data)], [...new Uint8Array(m.thumbs[i]!.data)], `thumb ${i}`);
    assert.equal(t.max, m.thumbs[i]!.max);
  });
});

test('a reference past the packed buffer is left for the validator to refuse', () => {
  const forged = { $headlightPackedBuffers: new ArrayBuffer(8), message: { data: { $headlightBufferRef: [4, 16] } } };
  const back = unpackBuffers(forged) as { data: unknown };
  assert.ok(!(back.data instanceof ArrayBuffer));
});
