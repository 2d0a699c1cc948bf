/**
 * The safetensors reader: dtype decoding against numpy/PyTorch (fixtures), and every way a file
 * can be wrong, each refused with what and where.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  attentionLayerPrefixes,
  bfloat16ToNumber,
  decodeUtf8Strict,
  float16ToNumber,
  multiHeadWeightsFromSafetensors,
  readSafetensors,
  readSafetensorsHeader,
  SafetensorsError,
  ShapeError,
} from '../../../src/core';
import { f32Bytes, fixtureBytes, fixtureJson, mhaTensors, writeSafetensors, type RawTensor } from './helpers';

/** Asserts a SafetensorsError matching `pattern`, at `offset` (when given), about `tensor` (when given). */
function refuses(bytes: Uint8Array | (() => unknown), pattern: RegExp, where: { offset?: number; tensor?: string } = {}): SafetensorsError {
  let caught: unknown;
  try {
    if (typeof bytes === 'function') bytes();
    else readSafetensors(bytes);
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof SafetensorsError, `expected a SafetensorsError, got ${String(caught)}`);
  assert.match(caught.message, pattern);
  assert.match(caught.message, /at byte \d+\)$/);
  if (where.offset !== undefined) assert.equal(caught.offset, where.offset, `offset of: ${caught.message}`);
  if (where.tensor !== undefined) {
    assert.equal(caught.tensor, where.tensor);
    assert.ok(caught.message.includes(`tensor "${where.tensor}"`));
  }
  return caught;
}

const one: RawTensor = { name: 'w', dtype: 'F32', shape: [2], bytes: f32Bytes([1.5, -2]) };

/** Header bytes of a file, for hand-made corruption. */
function withHeader(json: string, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const text = Buffer.from(json, 'utf8');
  const out = new Uint8Array(8 + text.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(text.length), true);
  out.set(text, 8);
  out.set(data, 8 + text.length);
  return out;
}

test('dtypes: F16, BF16, F32 and F64 decode to the float32 numpy/PyTorch give (subnormals, ±0, ±Inf, NaN, max)', () => {
  type Expect = { shape: number[]; float32_bits: number[] };
  const expected = fixtureJson<Record<string, Expect> & { metadata: Record<string, string> }>('dtypes.json');
  const bytes = fixtureBytes('dtypes.safetensors');
  const tensors = readSafetensors(bytes);
  for (const name of ['f16', 'bf16', 'f32', 'f64', 'empty', 'scalar']) {
    const t = tensors.get(name)!;
    const want = expected[name]!;
    assert.deepEqual(t.shape, want.shape, `${name} shape`);
    const wantValues = new Float32Array(Uint32Array.from(want.float32_bits).buffer);
    assert.equal(t.data.length, wantValues.length);
    t.data.forEach((v, i) => {
      if (Number.isNaN(wantValues[i]!)) assert.ok(Number.isNaN(v), `${name}[${i}] NaN`);
      else assert.ok(Object.is(v, wantValues[i]), `${name}[${i}] = ${v}, expected ${wantValues[i]}`);
    });
  }
  assert.deepEqual(readSafetensorsHeader(bytes).metadata, expected.metadata);
});

test('float16ToNumber and bfloat16ToNumber by the bit layouts', () => {
  assert.equal(float16ToNumber(0x3c00), 1);
  assert.equal(float16ToNumber(0xc000), -2);
  assert.equal(float16ToNumber(0x7bff), 65504);
  assert.equal(float16ToNumber(0x0001), 2 ** -24);
  assert.equal(float16ToNumber(0x0400), 2 ** -14);
  assert.ok(Object.is(float16ToNumber(0x8000), -0));
  assert.equal(float16ToNumber(0xfc00), Number.NEGATIVE_INFINITY);
  assert.ok(Number.isNaN(float16ToNumber(0x7e00)));
  assert.equal(bfloat16ToNumber(0x3f80), 1);
  assert.equal(bfloat16ToNumber(0x4049), 3.140625);
  assert.equal(bfloat16ToNumber(0xff80), Number.NEGATIVE_INFINITY);
});

test('a valid file reads back; `names` reads only some tensors', () => {
  const bytes = writeSafetensors([one, { name: 'steps', dtype: 'I64', shape: [1], bytes: new Uint8Array(8) }], { metadata: { format: 'pt' } });
  refuses(bytes, /dtype I64 cannot be read as weights/, { tensor: 'steps' });
  const only = readSafetensors(bytes, { names: ['w'] });
  assert.deepEqual(Array.from(only.get('w')!.data), [1.5, -2]);
  assert.equal(only.size, 1);
  const header = readSafetensorsHeader(bytes);
  assert.deepEqual(header.metadata, { format: 'pt' });
  assert.deepEqual(header.tensors.map((t) => t.name), ['w', 'steps']);
});

test('the length field: too short, zero, past the end, absurd', () => {
  refuses(new Uint8Array(5), /file is 5 bytes; a safetensors file starts with an 8-byte/, { offset: 0 });
  refuses(withHeader(''), /header length is 0/, { offset: 0 });
  const bytes = writeSafetensors([one]);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(bytes.length), true);
  refuses(bytes, /header length \d+ runs past the end of the file/, { offset: 0 });
  new DataView(bytes.buffer).setBigUint64(0, 2n ** 63n, true);
  refuses(bytes, /over the 100000000-byte limit/, { offset: 0 });
});

test('the header: UTF-8, JSON, an object', () => {
  const bad = withHeader('{"w":{"dtype":"F32"}}');
  bad[10] = 0xff;
  refuses(bad, /not valid UTF-8 \(byte 0xff/, { offset: 10 });
  refuses(withHeader('{"a":1,}'), /not valid JSON: .*position 7/, { offset: 15 });
  refuses(withHeader('[1, 2]'), /not a JSON object \(it must start with "\{"\)/, { offset: 8 });
  refuses(withHeader('   '), /not a JSON object/);
  refuses(withHeader('{"__metadata__":{"format":3}}'), /"__metadata__" value "format" must be a string/);
});

test('entries: dtype, shape and data_offsets are checked, naming the tensor', () => {
  const file = (entry: unknown, data = new Uint8Array(8)) => withHeader(JSON.stringify({ w: entry }), data);
  refuses(file({ dtype: 'F31', shape: [2], data_offsets: [0, 8] }), /unknown dtype "F31"/, { tensor: 'w', offset: 9 });
  refuses(file({ dtype: 'F32', shape: [2.5], data_offsets: [0, 8] }), /shape must be a list of whole numbers/, { tensor: 'w' });
  refuses(file({ dtype: 'F32', shape: [-2], data_offsets: [0, 8] }), /shape must be a list of whole numbers/, { tensor: 'w' });
  refuses(file({ dtype: 'F32', shape: [2], data_offsets: [0] }), /data_offsets must be \[begin, end\]/, { tensor: 'w' });
  refuses(file({ dtype: 'F32', shape: [2], data_offsets: [8, 0] }), /end before they begin/, { tensor: 'w' });
  refuses(file(7), /entry must be an object/, { tensor: 'w' });
});

test('shape × dtype must equal the data_offsets span', () => {
  const bytes = writeSafetensors([{ ...one, shape: [3] }]);
  const error = refuses(bytes, /shape \[3\] of F32 needs 12 bytes, not the 8 bytes its data_offsets \[0, 8\] span/, { tensor: 'w' });
  assert.equal(error.offset, readSafetensorsHeader(writeSafetensors([one])).dataStart);
  // A shape too large to even multiply out is still just "needs more than".
  refuses(writeSafetensors([{ ...one, shape: [2 ** 40, 2 ** 40, 2 ** 40] }]), /needs more than the 8 bytes/, { tensor: 'w' });
});

test('a file smaller or larger than its header claims is refused with the reason', () => {
  const bytes = writeSafetensors([one]);
  refuses(bytes.subarray(0, bytes.length - 1), /run past the end of the file: the data buffer is 7 bytes \(the file is smaller than its header claims\)/, { tensor: 'w' });
  const longer = new Uint8Array(bytes.length + 3);
  longer.set(bytes);
  refuses(longer, /file is larger than its header claims: 3 bytes after the last tensor's data/, { offset: bytes.length });
});

test('data_offsets may neither overlap nor leave holes', () => {
  const a = { dtype: 'F32', shape: [2] };
  const overlap = withHeader(JSON.stringify({ a: { ...a, data_offsets: [0, 8] }, b: { ...a, data_offsets: [4, 12] } }), new Uint8Array(12));
  refuses(overlap, /data_offsets overlap: .* reach into "a"/, { tensor: 'b' });
  const hole = withHeader(JSON.stringify({ a: { ...a, data_offsets: [0, 8] }, b: { ...a, data_offsets: [12, 20] } }), new Uint8Array(20));
  refuses(hole, /belong to no tensor \(a hole before this tensor\)/, { tensor: 'b' });
});

test('multiHeadWeightsFromSafetensors: missing bias means zeros; prefix found on its own', () => {
  const w = multiHeadWeightsFromSafetensors(writeSafetensors(mhaTensors(4, 'attn.', { bias: false })), 2);
  assert.equal(w.embedDim, 4);
  assert.deepEqual(Array.from(w.bq), [0, 0, 0, 0]);
  assert.deepEqual(Array.from(w.bo), [0, 0, 0, 0]);
});

test('multiHeadWeightsFromSafetensors reports which key is missing or mis-shaped', () => {
  const tensors = mhaTensors(4);
  const without = (name: string) => writeSafetensors(tensors.filter((t) => t.name !== name));
  refuses(() => multiHeadWeightsFromSafetensors(without('out_proj.weight'), 2), /required tensor is missing \(the packed layout needs out_proj.weight\)/, { tensor: 'out_proj.weight', offset: 8 });
  refuses(() => multiHeadWeightsFromSafetensors(without('in_proj_weight'), 2), /no attention weights: expected in_proj_weight .* the file holds in_proj_bias, out_proj.weight, out_proj.bias/);
  const shortBias = tensors.map((t) => (t.name === 'in_proj_bias' ? { ...t, shape: [10], bytes: f32Bytes(new Array(10).fill(0)) } : t));
  refuses(() => multiHeadWeightsFromSafetensors(writeSafetensors(shortBias), 2), /shape is \[10\], expected \[12\] \(3E, E = 4\)/, { tensor: 'in_proj_bias' });
  const notSquare = tensors.map((t) => (t.name === 'in_proj_weight' ? { ...t, shape: [16, 3] } : t));
  refuses(() => multiHeadWeightsFromSafetensors(writeSafetensors(notSquare), 2), /shape is \[16, 3\], expected \[3E, E\]/, { tensor: 'in_proj_weight' });
  refuses(() => multiHeadWeightsFromSafetensors(writeSafetensors(tensors), 3), /E = 4 is not divisible by 3 heads/, { tensor: 'in_proj_weight' });
  assert.throws(() => multiHeadWeightsFromSafetensors(writeSafetensors(tensors), 0), ShapeError);
});

test('multiHeadWeightsFromSafetensors refuses NaN/Infinity naming the element and its byte', () => {
  const tensors = mhaTensors(4);
  const values = Array.from({ length: 16 }, () => 0.1);
  values[6] = Number.NaN;
  const bytes = writeSafetensors(tensors.map((t) => (t.name === 'out_proj.weight' ? { ...t, bytes: f32Bytes(values) } : t)));
  const entry = readSafetensorsHeader(bytes).tensors.find((t) => t.name === 'out_proj.weight')!;
  refuses(() => multiHeadWeightsFromSafetensors(bytes, 2), /element \[1, 2\] is NaN; weights must be finite/, { tensor: 'out_proj.weight', offset: entry.begin + 24 });
});

test('multiHeadWeightsFromSafetensors: several layers need a prefix; separate q/k/v layout; add_bias_kv refused', () => {
  const two = writeSafetensors([...mhaTensors(4, 'layers.0.attn.'), ...mhaTensors(4, 'layers.1.attn.')]);
  refuses(() => multiHeadWeightsFromSafetensors(two, 2), /several attention layers \("layers.0.attn.", "layers.1.attn."\)/);
  const second = multiHeadWeightsFromSafetensors(two, 2, { prefix: 'layers.1.attn.' });
  assert.equal(second.embedDim, 4);
  refuses(() => multiHeadWeightsFromSafetensors(two, 2, { prefix: 'layers.2.attn.' }), /no attention weights under prefix "layers.2.attn."/);

  const [packed, ...rest] = mhaTensors(4);
  const block = (i: number) => packed!.bytes.slice(i * 64, (i + 1) * 64);
  const separate = writeSafetensors([
    { name: 'q_proj_weight', dtype: 'F32', shape: [4, 4], bytes: block(0) },
    { name: 'k_proj_weight', dtype: 'F32', shape: [4, 4], bytes: block(1) },
    { name: 'v_proj_weight', dtype: 'F32', shape: [4, 4], bytes: block(2) },
    ...rest,
  ]);
  const fromPacked = multiHeadWeightsFromSafetensors(writeSafetensors(mhaTensors(4)), 2);
  const fromSeparate = multiHeadWeightsFromSafetensors(separate, 2);
  assert.deepEqual(fromSeparate, fromPacked);
  const noK = writeSafetensors([
    { name: 'q_proj_weight', dtype: 'F32', shape: [4, 4], bytes: block(0) },
    { name: 'v_proj_weight', dtype: 'F32', shape: [4, 4], bytes: block(2) },
    ...rest,
  ]);
  refuses(() => multiHeadWeightsFromSafetensors(noK, 2), /required tensor is missing \(the separate layout needs k_proj_weight\)/, { tensor: 'k_proj_weight' });

  const withBiasK = writeSafetensors([...mhaTensors(4), { name: 'bias_k', dtype: 'F32', shape: [1, 1, 4], bytes: f32Bytes([0, 0, 0, 0]) }]);
  refuses(() => multiHeadWeightsFromSafetensors(withBiasK, 2), /add_bias_kv/, { tensor: 'bias_k' });
});

test('decodeUtf8Strict (the path without a native TextDecoder) agrees with Node and locates bad bytes', () => {
  for (const text of ['{"a":1}', 'héllo wörld', '日本語のテンソル', 'emoji 🧠 and 𝔸', '\u0000\u007f\u0080\u07ff\u0800\uffff']) {
    const bytes = new Uint8Array(Buffer.from(text, 'utf8'));
    assert.equal(decodeUtf8Strict(bytes, 0, bytes.length), text);
  }
  const cases: [number[], RegExp, number][] = [
    [[0x41, 0xff], /byte 0xff cannot start a character/, 1],
    [[0x41, 0xc3], /cut off by the end of the header/, 1],
    [[0xe6, 0x97, 0x41], /continuation byte is missing/, 2],
    [[0xe0, 0x80, 0x80], /overlong/, 0],
    [[0xed, 0xa0, 0x80], /surrogate/, 0],
    [[0xf4, 0x90, 0x80, 0x80], /out-of-range/, 0],
  ];
  for (const [raw, pattern, offset] of cases) {
    refuses(() => decodeUtf8Strict(Uint8Array.from(raw), 0, raw.length), pattern, { offset });
  }
});

test('attentionLayerPrefixes lists each attention layer once, in header order; none for a file without attention weights', () => {
  const two = writeSafetensors([...mhaTensors(4, 'layers.0.attn.'), ...mhaTensors(4, 'layers.1.attn.')]);
  assert.deepEqual(attentionLayerPrefixes(two), ['layers.0.attn.', 'layers.1.attn.']);
  assert.deepEqual(attentionLayerPrefixes(writeSafetensors(mhaTensors(4))), ['']);
  assert.deepEqual(attentionLayerPrefixes(writeSafetensors([{ name: 'embedding.weight', dtype: 'F32', shape: [1], bytes: f32Bytes([1]) }])), []);
  // Each listed prefix is one that multiHeadWeightsFromSafetensors accepts.
  for (const prefix of attentionLayerPrefixes(two)) assert.equal(multiHeadWeightsFromSafetensors(two, 2, { prefix }).embedDim, 4);
  assert.throws(() => attentionLayerPrefixes(new Uint8Array(4)), SafetensorsError);
});
