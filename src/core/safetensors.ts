/**
 * A safetensors reader that trusts nothing in the file, and the loader of
 * nn.MultiheadAttention weights from one.
 *
 * Contract (format as huggingface/safetensors defines it):
 *   bytes [0, 8)        N, the header length, unsigned 64-bit little-endian
 *   bytes [8, 8 + N)    a UTF-8 JSON object: { "<tensor name>": { "dtype": "F32", "shape": [r, c],
 *                       "data_offsets": [begin, end] }, …, "__metadata__"?: { string: string } },
 *                       possibly padded with trailing spaces
 *   bytes [8 + N, end)  the data buffer; begin/end are relative to its start, little-endian values
 *   Validated before any tensor is read: the length field fits the file; the header is UTF-8,
 *   valid JSON, an object whose entries have a known dtype, a shape of whole numbers ≥ 0 and two
 *   whole-number offsets with begin ≤ end; numel(shape) × itemsize(dtype) = end − begin; every
 *   span lies inside the buffer; the spans, sorted, tile the buffer exactly (no overlap, no hole,
 *   no trailing bytes: a file larger or smaller than its header claims is refused).
 *   Every failure is a SafetensorsError carrying `offset` (the absolute byte in the file where
 *   the problem is) and, when it concerns one tensor, `tensor`; the message says both.
 *   Values are converted to Float32Array: F32 as is, F16 and BF16 decoded here bit by bit (every
 *   F16 and BF16 value is exactly representable in float32), F64 rounded to float32.
 *
 *   multiHeadWeightsFromSafetensors(bytes, h): a PyTorch nn.MultiheadAttention state_dict, as
 *     in_proj_weight [3E, E], in_proj_bias [3E], out_proj.weight [E, E], out_proj.bias [E]
 *   or with separate q_proj_weight / k_proj_weight / v_proj_weight [E, E] (+ in_proj_bias),
 *   or as separate nn.Linear layers q_proj.weight / .bias, k_proj.…, v_proj.…, out_proj.…,
 *   all optionally under one common key prefix ("attn.", "layers.0.self_attn."). A missing bias
 *   is zeros; a missing or mis-shaped weight, NaN/±Infinity, or E not divisible by h is refused
 *   naming the key.
 *
 * Legend: E model width (d), h heads.
 */
import { matrix } from './linalg';
import { ShapeError, type MultiHeadWeights } from './types';

/** A problem in a safetensors file: what is wrong, and where (byte offset, tensor name). */
export class SafetensorsError extends Error {
  override readonly name = 'SafetensorsError';
  constructor(
    readonly problem: string,
    /** Absolute byte offset in the file where the problem lies. */
    readonly offset: number,
    /** The tensor (header key) concerned, when there is one. */
    readonly tensor?: string,
  ) {
    super(`${problem} (${tensor === undefined ? '' : `tensor "${tensor}", `}at byte ${offset})`);
  }
}

/** Bytes per element of every dtype the format defines; only FLOAT_DTYPES can be read as numbers. */
const DTYPE_SIZES = {
  BOOL: 1, U8: 1, I8: 1, F8_E5M2: 1, F8_E4M3: 1, I16: 2, U16: 2, F16: 2, BF16: 2,
  I32: 4, U32: 4, F32: 4, I64: 8, U64: 8, F64: 8,
} as const;
export type SafetensorsDtype = keyof typeof DTYPE_SIZES;
const FLOAT_DTYPES: readonly SafetensorsDtype[] = ['F32', 'F16', 'BF16', 'F64'];

/** The reference implementation's limit; a larger header is hostile or broken. */
export const MAX_HEADER_BYTES = 100_000_000;

/** One validated header entry; begin/end are absolute byte offsets in the file. */
export interface SafetensorsEntry {
  readonly name: string;
  readonly dtype: SafetensorsDtype;
  readonly shape: readonly number[];
  readonly begin: number;
  readonly end: number;
}

export interface SafetensorsHeader {
  /** `__metadata__`, when present. */
  readonly metadata: Readonly<Record<string, string>> | undefined;
  /** Entries in header order. */
  readonly tensors: readonly SafetensorsEntry[];
  /** Absolute offset of the data buffer (8 + N). */
  readonly dataStart: number;
}

export interface SafetensorsTensor {
  readonly dtype: SafetensorsDtype;
  readonly shape: readonly number[];
  /** Row-major values, converted to float32. */
  readonly data: Float32Array;
}

// ---------------------------------------------------------------------------------------------
// Header

/**
 * Validates the length field, the JSON header and every entry's dtype, shape and offsets against
 * the buffer, without reading any tensor. Throws SafetensorsError.
 * `fileLength` lets a reader that reads by offset pass only the file's first 8 + N bytes (the
 * length field and the header) and validate the spans against the file's size on disk.
 */
export function readSafetensorsHeader(bytes: Uint8Array, fileLength = bytes.length): SafetensorsHeader {
  // Pass 1: the length field.
  if (fileLength < 8 || bytes.length < 8) {
    throw new SafetensorsError(`file is ${fileLength} bytes; a safetensors file starts with an 8-byte little-endian header length`, 0);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getBigUint64(0, true);
  if (headerLength === 0n) throw new SafetensorsError('header length is 0; the header must hold at least "{}"', 0);
  if (headerLength > BigInt(MAX_HEADER_BYTES)) {
    throw new SafetensorsError(`header length ${headerLength} is over the ${MAX_HEADER_BYTES}-byte limit (not a safetensors file, or a corrupt one)`, 0);
  }
  const n = Number(headerLength);
  if (8 + n > fileLength) {
    throw new SafetensorsError(`header length ${n} runs past the end of the file (only ${fileLength - 8} bytes follow the length field)`, 0);
  }
  if (8 + n > bytes.length) {
    throw new SafetensorsError(`only ${bytes.length} bytes of the ${8 + n}-byte header were given`, bytes.length);
  }
  const dataStart = 8 + n;
  const dataLength = fileLength - dataStart;

  // Pass 2: UTF-8 JSON object.
  const text = decodeUtf8(bytes, 8, dataStart);
  const firstNonSpace = text.search(/\S/);
  if (firstNonSpace < 0 || text[firstNonSpace] !== '{') {
    throw new SafetensorsError('header is not a JSON object (it must start with "{")', 8 + Math.max(0, utf8Length(text, firstNonSpace)));
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const position = /position (\d+)/.exec(message);
    const at = position ? 8 + utf8Length(text, Math.min(Number(position[1]), text.length)) : 8;
    throw new SafetensorsError(`header is not valid JSON: ${message.length > 200 ? `${message.slice(0, 200)}…` : message}`, at);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new SafetensorsError('header is not a JSON object', 8);
  }
  const keyOffset = (key: string) => {
    const at = text.indexOf(JSON.stringify(key));
    return at < 0 ? 8 : 8 + utf8Length(text, at);
  };

  // Pass 3: each entry on its own.
  let metadata: Record<string, string> | undefined;
  const tensors: SafetensorsEntry[] = [];
  for (const [name, value] of Object.entries(parsed as Record<string, unknown>)) {
    // Where the key sits in the header, for messages: searched only when there is an error.
    const at = () => keyOffset(name);
    if (name === '__metadata__') {
      metadata = readMetadata(value, at);
      continue;
    }
    tensors.push(readEntry(name, value, at, dataStart, dataLength));
  }

  // Pass 4: the spans tile the data buffer: sorted by begin, each starts where the last ended.
  const sorted = [...tensors].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = dataStart;
  let previous: SafetensorsEntry | undefined;
  for (const entry of sorted) {
    if (entry.begin < cursor) {
      throw new SafetensorsError(
        `data_offsets overlap: bytes ${entry.begin}…${entry.end} of this tensor reach into "${previous?.name ?? ''}" (which ends at byte ${cursor})`,
        entry.begin,
        entry.name,
      );
    }
    if (entry.begin > cursor) {
      throw new SafetensorsError(`bytes ${cursor}…${entry.begin} of the data belong to no tensor (a hole before this tensor)`, cursor, entry.name);
    }
    cursor = entry.end;
    previous = entry;
  }
  if (cursor !== fileLength) {
    throw new SafetensorsError(
      `file is larger than its header claims: ${fileLength - cursor} bytes after the last tensor's data (the header accounts for ${cursor} bytes)`,
      cursor,
    );
  }
  return { metadata, tensors, dataStart };
}

function readMetadata(value: unknown, at: () => number): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SafetensorsError('"__metadata__" must be an object of strings', at());
  }
  const out: Record<string, string> = {};
  for (const [key, entry] of Object.entries(value as Record<string, unknown>)) {
    if (typeof entry !== 'string') throw new SafetensorsError(`"__metadata__" value "${key}" must be a string, not ${describe(entry)}`, at());
    out[key] = entry;
  }
  return out;
}

function readEntry(name: string, value: unknown, at: () => number, dataStart: number, dataLength: number): SafetensorsEntry {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SafetensorsError(`entry must be an object with dtype, shape and data_offsets, not ${describe(value)}`, at(), name);
  }
  const entry = value as Record<string, unknown>;
  const dtype = entry['dtype'];
  if (typeof dtype !== 'string' || !Object.hasOwn(DTYPE_SIZES, dtype)) {
    throw new SafetensorsError(`unknown dtype ${describe(dtype)}; expected one of ${Object.keys(DTYPE_SIZES).join(', ')}`, at(), name);
  }
  const shape = entry['shape'];
  if (!Array.isArray(shape) || !shape.every(isCount)) {
    throw new SafetensorsError(`shape must be a list of whole numbers ≥ 0, not ${describe(shape)}`, at(), name);
  }
  const offsets = entry['data_offsets'];
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) {
    throw new SafetensorsError(`data_offsets must be [begin, end], two whole numbers ≥ 0, not ${describe(offsets)}`, at(), name);
  }
  const [begin, end] = offsets as [number, number];
  if (begin > end) throw new SafetensorsError(`data_offsets [${begin}, ${end}] end before they begin`, at(), name);
  if (end > dataLength) {
    throw new SafetensorsError(
      `data_offsets [${begin}, ${end}] run past the end of the file: the data buffer is ${dataLength} bytes (the file is smaller than its header claims)`,
      dataStart + Math.min(begin, dataLength),
      name,
    );
  }
  const itemSize = DTYPE_SIZES[dtype as SafetensorsDtype];
  // numel in float64: exact while it is a safe integer; beyond that it cannot match any span.
  let numel = 1;
  for (const dim of shape as number[]) numel *= dim;
  if ((shape as number[]).includes(0)) numel = 0; // not Infinity · 0 = NaN
  const needed = numel * itemSize;
  if (needed !== end - begin) {
    const needs = Number.isSafeInteger(needed) ? `needs ${needed} bytes, not` : 'needs more than';
    throw new SafetensorsError(
      `shape [${(shape as number[]).join(', ')}] of ${dtype} ${needs} the ${end - begin} bytes its data_offsets [${begin}, ${end}] span`,
      dataStart + begin,
      name,
    );
  }
  return { name, dtype: dtype as SafetensorsDtype, shape: [...(shape as number[])], begin: dataStart + begin, end: dataStart + end };
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function describe(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

// ---------------------------------------------------------------------------------------------
// Tensors

/**
 * Every tensor of the file as float32 (or only `opts.names`). A tensor of a non-float dtype
 * (integers, BOOL, F8) is refused naming it, unless it is left out by `names`.
 */
export function readSafetensors(bytes: Uint8Array, opts: { readonly names?: readonly string[] } = {}): Map<string, SafetensorsTensor> {
  const header = readSafetensorsHeader(bytes);
  const wanted = opts.names ? new Set(opts.names) : undefined;
  const out = new Map<string, SafetensorsTensor>();
  for (const entry of header.tensors) {
    if (wanted && !wanted.has(entry.name)) continue;
    out.set(entry.name, { dtype: entry.dtype, shape: entry.shape, data: decodeTensor(bytes, entry) });
  }
  return out;
}

/** One validated entry's values as float32. Shape: numel(entry.shape). */
export function decodeTensor(bytes: Uint8Array, entry: SafetensorsEntry): Float32Array {
  if (!FLOAT_DTYPES.includes(entry.dtype)) {
    throw new SafetensorsError(`dtype ${entry.dtype} cannot be read as weights; Headlight reads F32, F16, BF16 and F64`, entry.begin, entry.name);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset + entry.begin, entry.end - entry.begin);
  const count = view.byteLength / DTYPE_SIZES[entry.dtype];
  const out = new Float32Array(count);
  switch (entry.dtype) {
    case 'F32':
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(4 * i, true);
      break;
    case 'F64':
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(8 * i, true);
      break;
    case 'F16':
      for (let i = 0; i < count; i++) out[i] = float16ToNumber(view.getUint16(2 * i, true));
      break;
    case 'BF16': {
      // bfloat16 is the top half of a float32: shift its bits up and reinterpret.
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < count; i++) bits[i] = view.getUint16(2 * i, true) << 16;
      break;
    }
    default:
      break;
  }
  return out;
}

/**
 * IEEE 754 binary16 → number: 1 sign bit, 5 exponent bits (bias 15), 10 fraction bits.
 *   exponent 0      subnormal: ±fraction · 2⁻²⁴ (and ±0)
 *   exponent 31     ±Infinity (fraction 0) or NaN
 *   otherwise       ±(1 + fraction / 1024) · 2^(exponent − 15)
 */
export function float16ToNumber(half: number): number {
  const sign = half & 0x8000 ? -1 : 1;
  const exponent = (half >>> 10) & 0x1f;
  const fraction = half & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 31) return fraction === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/** bfloat16 bits → number (the value of the float32 whose top 16 bits these are). */
export function bfloat16ToNumber(bits: number): number {
  const scratch = new Uint32Array([(bits & 0xffff) << 16]);
  return new Float32Array(scratch.buffer)[0]!;
}

// ---------------------------------------------------------------------------------------------
// nn.MultiheadAttention weights

const LAYOUTS = {
  packed: { q: 'in_proj_weight', k: undefined, v: undefined },
  separate: { q: 'q_proj_weight', k: 'k_proj_weight', v: 'v_proj_weight' },
  linear: { q: 'q_proj.weight', k: 'k_proj.weight', v: 'v_proj.weight' },
} as const;
type Layout = keyof typeof LAYOUTS;

/** Every (prefix, layout) whose query projection is among `names`, in the header's order. */
function attentionLayersIn(names: Iterable<string>): { prefix: string; layout: Layout }[] {
  const found: { prefix: string; layout: Layout }[] = [];
  for (const name of names) {
    for (const layout of Object.keys(LAYOUTS) as Layout[]) {
      const anchor = LAYOUTS[layout].q;
      if (!name.endsWith(anchor)) continue;
      const prefix = name.slice(0, name.length - anchor.length);
      if (prefix === '' || prefix.endsWith('.')) found.push({ prefix, layout });
    }
  }
  return found;
}

/**
 * The key prefixes of the attention layers a safetensors file holds ("" for a bare
 * nn.MultiheadAttention state_dict, "layers.0.self_attn." … for a model's), each once, in the
 * header's order — what `multiHeadWeightsFromSafetensors`'s `prefix` option chooses from.
 * Throws SafetensorsError on a malformed header.
 */
export function attentionLayerPrefixes(bytes: Uint8Array): string[] {
  return [...new Set(attentionLayersIn(readSafetensorsHeader(bytes).tensors.map((t) => t.name)).map((f) => f.prefix))];
}

/**
 * W_Q, W_K, W_V, W_O and biases for `numHeads` heads from a safetensors state_dict.
 * Shapes: in_proj_weight [3E, E] → W_Q, W_K, W_V [E, E] (rows 0…E−1, E…2E−1, 2E…3E−1);
 * in_proj_bias [3E] → b_Q, b_K, b_V [E]; out_proj.weight [E, E]; out_proj.bias [E].
 * `opts.prefix` picks one layer when the file holds several ("layers.1.self_attn.").
 */
export function multiHeadWeightsFromSafetensors(
  bytes: Uint8Array,
  numHeads: number,
  opts: { readonly prefix?: string } = {},
): MultiHeadWeights {
  if (!Number.isInteger(numHeads) || numHeads <= 0) throw new ShapeError(`heads must be a whole number > 0, got ${numHeads}`);
  const header = readSafetensorsHeader(bytes);
  const byName = new Map(header.tensors.map((t) => [t.name, t]));
  const headerAt = 8;

  // Pass 1: which layer (prefix) and which layout.
  const found = attentionLayersIn(byName.keys());
  const candidates = opts.prefix === undefined ? found : found.filter((f) => f.prefix === opts.prefix);
  if (candidates.length === 0) {
    const names = [...byName.keys()];
    const listed = names.length === 0 ? 'no tensors' : `${names.slice(0, 8).join(', ')}${names.length > 8 ? `, … (${names.length} in all)` : ''}`;
    throw new SafetensorsError(
      `no attention weights${opts.prefix === undefined ? '' : ` under prefix "${opts.prefix}"`}: expected ${opts.prefix ?? ''}in_proj_weight (or q_proj_weight, or q_proj.weight); the file holds ${listed}`,
      headerAt,
      `${opts.prefix ?? ''}in_proj_weight`,
    );
  }
  const prefixes = [...new Set(candidates.map((c) => c.prefix))];
  if (prefixes.length > 1) {
    throw new SafetensorsError(
      `the file holds several attention layers (${prefixes.map((p) => `"${p}"`).join(', ')}); choose one with the prefix option`,
      headerAt,
      `${prefixes[0]!}${LAYOUTS[candidates[0]!.layout].q}`,
    );
  }
  if (candidates.length > 1) {
    throw new SafetensorsError(
      `both ${candidates.map((c) => `"${c.prefix}${LAYOUTS[c.layout].q}"`).join(' and ')} are present; a layer has one layout`,
      headerAt,
      `${candidates[0]!.prefix}${LAYOUTS[candidates[0]!.layout].q}`,
    );
  }
  const { prefix, layout } = candidates[0]!;
  for (const unsupported of ['bias_k', 'bias_v']) {
    const entry = byName.get(prefix + unsupported);
    if (entry) throw new SafetensorsError('add_bias_kv (bias_k, bias_v) is not supported', entry.begin, entry.name);
  }

  // Pass 2: fetch and check each tensor.
  const tensor = (key: string, required: boolean) => {
    const entry = byName.get(prefix + key);
    if (!entry) {
      if (required) throw new SafetensorsError(`required tensor is missing (the ${layout} layout needs ${key})`, headerAt, prefix + key);
      return undefined;
    }
    return { entry, data: decodeTensor(bytes, entry) };
  };
  const expectShape = (t: { entry: SafetensorsEntry }, shape: readonly number[], why: string) => {
    const s = t.entry.shape;
    if (s.length !== shape.length || s.some((dim, i) => dim !== shape[i])) {
      throw new SafetensorsError(`shape is [${s.join(', ')}], expected [${shape.join(', ')}] (${why})`, t.entry.begin, t.entry.name);
    }
  };

  let embedDim: number;
  let wq: Float32Array, wk: Float32Array, wv: Float32Array;
  let bq: Float32Array | undefined, bk: Float32Array | undefined, bv: Float32Array | undefined;
  if (layout === 'packed') {
    const inProj = tensor('in_proj_weight', true)!;
    const s = inProj.entry.shape;
    if (s.length !== 2 || s[1]! === 0 || s[0] !== 3 * s[1]!) {
      throw new SafetensorsError(`shape is [${s.join(', ')}], expected [3E, E] with E > 0`, inProj.entry.begin, inProj.entry.name);
    }
    embedDim = s[1]!;
    const block = embedDim * embedDim;
    wq = inProj.data.slice(0, block);
    wk = inProj.data.slice(block, 2 * block);
    wv = inProj.data.slice(2 * block, 3 * block);
    checkFinite(inProj.entry, inProj.data);
  } else {
    const names = LAYOUTS[layout];
    const q = tensor(names.q, true)!;
    const s = q.entry.shape;
    if (s.length !== 2 || s[0]! === 0 || s[0] !== s[1]) {
      throw new SafetensorsError(`shape is [${s.join(', ')}], expected [E, E] with E > 0 (self-attention: kdim = vdim = E)`, q.entry.begin, q.entry.name);
    }
    embedDim = s[0]!;
    const k = tensor(names.k, true)!;
    const v = tensor(names.v, true)!;
    for (const t of [q, k, v]) {
      expectShape(t, [embedDim, embedDim], `E = ${embedDim} from ${q.entry.name}; self-attention needs kdim = vdim = E`);
      checkFinite(t.entry, t.data);
    }
    wq = q.data;
    wk = k.data;
    wv = v.data;
  }
  const e = embedDim;
  if (layout === 'linear') {
    for (const [key, set] of [
      ['q_proj.bias', (b: Float32Array) => (bq = b)],
      ['k_proj.bias', (b: Float32Array) => (bk = b)],
      ['v_proj.bias', (b: Float32Array) => (bv = b)],
    ] as const) {
      const b = tensor(key, false);
      if (b) {
        expectShape(b, [e], `E = ${e}`);
        checkFinite(b.entry, b.data);
        set(b.data);
      }
    }
  } else {
    const inBias = tensor('in_proj_bias', false);
    if (inBias) {
      expectShape(inBias, [3 * e], `3E, E = ${e}`);
      checkFinite(inBias.entry, inBias.data);
      bq = inBias.data.slice(0, e);
      bk = inBias.data.slice(e, 2 * e);
      bv = inBias.data.slice(2 * e, 3 * e);
    }
  }
  const outWeight = tensor('out_proj.weight', true)!;
  expectShape(outWeight, [e, e], `E = ${e}`);
  checkFinite(outWeight.entry, outWeight.data);
  const outBias = tensor('out_proj.bias', false);
  if (outBias) {
    expectShape(outBias, [e], `E = ${e}`);
    checkFinite(outBias.entry, outBias.data);
  }

  // Pass 3: heads divide E.
  if (e % numHeads !== 0) {
    const anchor = byName.get(prefix + LAYOUTS[layout].q)!;
    throw new SafetensorsError(`E = ${e} is not divisible by ${numHeads} heads`, anchor.begin, anchor.name);
  }
  return {
    embedDim: e,
    numHeads,
    wq: matrix(e, e, wq),
    wk: matrix(e, e, wk),
    wv: matrix(e, e, wv),
    wo: matrix(e, e, outWeight.data),
    bq: bq ?? new Float32Array(e),
    bk: bk ?? new Float32Array(e),
    bv: bv ?? new Float32Array(e),
    bo: outBias?.data ?? new Float32Array(e),
  };
}

/** Refuses NaN/±Infinity in a weight, naming the element and its byte. */
function checkFinite(entry: SafetensorsEntry, data: Float32Array): void {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i]!)) {
      const itemSize = DTYPE_SIZES[entry.dtype];
      const cols = entry.shape.length === 2 ? entry.shape[1]! : 0;
      const where = cols > 0 ? `[${Math.floor(i / cols)}, ${i % cols}]` : `[${i}]`;
      throw new SafetensorsError(`element ${where} is ${String(data[i])}; weights must be finite`, entry.begin + i * itemSize, entry.name);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// UTF-8 (the core has no TextDecoder: it is DOM/Node API, not ECMAScript)

/** The host's TextDecoder when there is one (Node, browsers, webviews): not ECMAScript, so looked up. */
interface Utf8Decoder {
  decode(input: Uint8Array): string;
}
const nativeDecoder: Utf8Decoder | undefined = (() => {
  const ctor = (globalThis as { TextDecoder?: new (label: string, opts: { fatal: boolean; ignoreBOM: boolean }) => Utf8Decoder }).TextDecoder;
  // ignoreBOM: true keeps a byte-order mark in the text (as the hand decoder does), so both refuse it alike.
  return ctor ? new ctor('utf-8', { fatal: true, ignoreBOM: true }) : undefined;
})();

/**
 * Strict UTF-8 → string for bytes [start, end). The native decoder does valid headers fast; when
 * it refuses (or is absent) the hand decoder below finds the offending byte for the message.
 */
function decodeUtf8(bytes: Uint8Array, start: number, end: number): string {
  if (nativeDecoder) {
    try {
      return nativeDecoder.decode(bytes.subarray(start, end));
    } catch {
      // fall through: locate the problem
    }
  }
  return decodeUtf8Strict(bytes, start, end);
}

/**
 * Strict UTF-8 → string for bytes [start, end) in plain ECMAScript; an invalid sequence
 * (bad lead byte, missing continuation, overlong form, surrogate, > U+10FFFF, cut off) is
 * refused as a SafetensorsError at its byte.
 */
export function decodeUtf8Strict(bytes: Uint8Array, start: number, end: number): string {
  // UTF-16 code units, at most one per byte; turned into text a chunk at a time.
  const units = new Uint16Array(end - start);
  let count = 0;
  let i = start;
  while (i < end) {
    const b0 = bytes[i]!;
    if (b0 < 0x80) {
      units[count++] = b0;
      i++;
      continue;
    }
    let codePoint: number;
    let length: number;
    if (b0 >= 0xc2 && b0 <= 0xdf) {
      codePoint = b0 & 0x1f;
      length = 2;
    } else if (b0 >= 0xe0 && b0 <= 0xef) {
      codePoint = b0 & 0x0f;
      length = 3;
    } else if (b0 >= 0xf0 && b0 <= 0xf4) {
      codePoint = b0 & 0x07;
      length = 4;
    } else {
      throw new SafetensorsError(`header is not valid UTF-8 (byte 0x${b0.toString(16).padStart(2, '0')} cannot start a character)`, i);
    }
    if (i + length > end) throw new SafetensorsError('header is not valid UTF-8 (a character is cut off by the end of the header)', i);
    for (let j = 1; j < length; j++) {
      const b = bytes[i + j]!;
      if ((b & 0xc0) !== 0x80) throw new SafetensorsError('header is not valid UTF-8 (a continuation byte is missing)', i + j);
      codePoint = (codePoint << 6) | (b & 0x3f);
    }
    const overlong = (length === 3 && codePoint < 0x800) || (length === 4 && codePoint < 0x10000);
    if (overlong || codePoint > 0x10ffff || (codePoint >= 0xd800 && codePoint <= 0xdfff)) {
      throw new SafetensorsError('header is not valid UTF-8 (an overlong, surrogate or out-of-range character)', i);
    }
    if (codePoint >= 0x10000) {
      const c = codePoint - 0x10000;
      units[count++] = 0xd800 + (c >> 10);
      units[count++] = 0xdc00 + (c & 0x3ff);
    } else {
      units[count++] = codePoint;
    }
    i += length;
  }
  const chunks: string[] = [];
  for (let at = 0; at < count; at += 8192) {
    chunks.push(String.fromCharCode(...units.subarray(at, Math.min(at + 8192, count))));
  }
  return chunks.join('');
}

/** UTF-8 byte length of text[0, index). */
function utf8Length(text: string, index: number): number {
  let bytes = 0;
  for (let i = 0; i < index; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < index) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}
