/**
 * A Hugging Face checkpoint on disk: `model.safetensors`, or `model.safetensors.index.json` and
 * the shards its weight_map names. Headers are read and validated when opened; tensor data is
 * read later, one tensor at a time, by offset (fs.readSync at the tensor's span), so no file is
 * ever held whole in memory.
 *
 * Contract:
 *   openCheckpoint(dir) → Checkpoint: every tensor's name, dtype, shape, file and span.
 *     Each shard's header is validated by src/core/safetensors.ts readSafetensorsHeader against
 *     the shard's size on disk: a truncated shard is refused naming the file, the tensor and the
 *     byte offsets its header claims. The index's weight_map must name only tensors that its
 *     shard's header holds, and every shard's tensors must be in the weight_map.
 *   checkpoint.read(name) → Float32Array of numel(shape) values: F32 read straight into the
 *     array, F16/BF16 decoded by safetensors.ts decodeTensor (exact: every 16-bit value is a
 *     float32). Other dtypes are refused naming the tensor.
 *   checkpoint.readStored(name, allocate) → the tensor as stored, read straight from the file into
 *     the array `allocate(dtype, length)` returns (F32 → Float32Array; F16/BF16 → Uint16Array of
 *     the 16-bit patterns, so 16-bit checkpoints stay 16-bit; anything else, or a big-endian host,
 *     decoded to float32 by read()). src/model/parallel's allocator places tensors in the shared
 *     memory its GEMM reads, so loading copies nothing twice.
 *   checkpoint.close() releases the file descriptors.
 * Every error is a ModelError naming the file (the shard, or the index).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { WeightDtype } from '../core/models/types';
import { decodeTensor, readSafetensorsHeader, SafetensorsError, type SafetensorsDtype } from '../core/safetensors';
import { ModelError } from './errors';

export const SINGLE_FILE = 'model.safetensors';
export const INDEX_FILE = 'model.safetensors.index.json';

export interface CheckpointTensor {
  readonly name: string;
  readonly dtype: SafetensorsDtype;
  readonly shape: readonly number[];
  /** Absolute path of the shard holding it. */
  readonly file: string;
  /** Absolute byte span in that file. */
  readonly begin: number;
  readonly end: number;
}

/** Where a tensor's elements go: an array of `length` elements of `dtype` (a fresh one, or a view into a kernel's memory). */
export type TensorAllocator = (dtype: WeightDtype, length: number) => Float32Array | Uint16Array;

/** Fresh arrays on the JS heap. */
export const heapAllocator: TensorAllocator = (dtype, length) => (dtype === 'f32' ? new Float32Array(length) : new Uint16Array(length));

export interface StoredTensor {
  readonly dtype: WeightDtype;
  readonly data: Float32Array | Uint16Array;
}

export interface Checkpoint {
  /** model.safetensors, or the index file for a sharded checkpoint: where "missing" is said. */
  readonly source: string;
  readonly files: readonly string[];
  readonly tensors: ReadonlyMap<string, CheckpointTensor>;
  /** Bytes of tensor data over all shards. */
  readonly dataBytes: number;
  read(name: string): Float32Array;
  readStored(name: string, allocate: TensorAllocator): StoredTensor;
  close(): void;
}

const LITTLE_ENDIAN = os.endianness() === 'LE';

export function openCheckpoint(dir: string): Checkpoint {
  const single = path.join(dir, SINGLE_FILE);
  const index = path.join(dir, INDEX_FILE);
  if (fs.existsSync(single)) return new DiskCheckpoint(single, [single]);
  if (fs.existsSync(index)) return new DiskCheckpoint(index, shardsOf(index));
  throw new ModelError(dir, `no ${SINGLE_FILE} and no ${INDEX_FILE} in this folder (Headlight reads safetensors checkpoints only)`);
}

/** The shard files of an index, validated; the weight_map is checked against headers later. */
function shardsOf(index: string): string[] {
  const map = readWeightMap(index);
  const shards = [...new Set(map.values())];
  return shards.map((shard) => {
    if (shard.includes('/') || shard.includes('\\') || shard === '..') throw new ModelError(index, `weight_map names "${shard}", which is not a file name in this folder`);
    const file = path.join(path.dirname(index), shard);
    if (!fs.existsSync(file)) throw new ModelError(index, `weight_map names the shard "${shard}", which is not in the folder`);
    return file;
  });
}

function readWeightMap(index: string): Map<string, string> {
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(index, 'utf8'));
  } catch (error) {
    throw new ModelError(index, `not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  const map = (json as { weight_map?: unknown } | null)?.weight_map;
  if (typeof map !== 'object' || map === null || Array.isArray(map)) throw new ModelError(index, 'has no "weight_map" object (tensor name → shard file)');
  const out = new Map<string, string>();
  for (const [name, shard] of Object.entries(map as Record<string, unknown>)) {
    if (typeof shard !== 'string') throw new ModelError(index, `weight_map["${name}"] must be a file name, found ${JSON.stringify(shard)}`);
    out.set(name, shard);
  }
  return out;
}

class DiskCheckpoint implements Checkpoint {
  readonly tensors = new Map<string, CheckpointTensor>();
  readonly dataBytes: number;
  private readonly fds = new Map<string, number>();

  constructor(
    readonly source: string,
    readonly files: readonly string[],
  ) {
    let bytes = 0;
    try {
      for (const file of files) {
        for (const entry of this.readHeader(file)) {
          const earlier = this.tensors.get(entry.name);
          if (earlier) throw new ModelError(file, `tensor "${entry.name}" is also in ${path.basename(earlier.file)}`);
          this.tensors.set(entry.name, entry);
          bytes += entry.end - entry.begin;
        }
      }
      if (source.endsWith(INDEX_FILE)) this.checkWeightMap();
    } catch (error) {
      this.close();
      throw error;
    }
    this.dataBytes = bytes;
  }

  private fd(file: string): number {
    let fd = this.fds.get(file);
    if (fd === undefined) {
      try {
        fd = fs.openSync(file, 'r');
      } catch (error) {
        throw new ModelError(file, `cannot open: ${error instanceof Error ? error.message : String(error)}`);
      }
      this.fds.set(file, fd);
    }
    return fd;
  }

  /** Reads exactly `length` bytes at `position`, or says how many the file had. */
  private readAt(file: string, position: number, length: number, what: string, into?: Uint8Array): Uint8Array {
    const out = into ?? new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const got = fs.readSync(this.fd(file), out, done, length - done, position + done);
      if (got === 0) {
        throw new ModelError(file, `truncated: ${what} spans bytes ${position}…${position + length}, but the file ends at byte ${position + done}`);
      }
      done += got;
    }
    return out;
  }

  private readHeader(file: string): CheckpointTensor[] {
    const size = fs.statSync(file).size;
    if (size < 8) throw new ModelError(file, `truncated: ${size} bytes, but a safetensors file starts with an 8-byte header length`);
    const lengthField = this.readAt(file, 0, 8, 'the header length');
    const headerLength = Number(new DataView(lengthField.buffer).getBigUint64(0, true));
    if (!(8 + headerLength <= size)) {
      throw new ModelError(file, `truncated: the header claims bytes 8…${8 + headerLength}, but the file is ${size} bytes`);
    }
    const head = this.readAt(file, 0, 8 + headerLength, 'the header');
    try {
      const header = readSafetensorsHeader(head, size);
      return header.tensors.map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape, file, begin: t.begin, end: t.end }));
    } catch (error) {
      if (error instanceof SafetensorsError) {
        const truncated = /past the end of the file|smaller than its header/.test(error.problem);
        throw new ModelError(file, `${truncated ? `truncated (the file is ${size} bytes): ` : ''}${error.message}`, { cause: error });
      }
      throw error;
    }
  }

  private checkWeightMap(): void {
    const map = readWeightMap(this.source);
    for (const [name, shard] of map) {
      const tensor = this.tensors.get(name);
      if (!tensor) throw new ModelError(this.source, `weight_map puts tensor "${name}" in ${shard}, which does not hold it`);
      if (path.basename(tensor.file) !== shard) {
        throw new ModelError(this.source, `weight_map puts tensor "${name}" in ${shard}, but it is in ${path.basename(tensor.file)}`);
      }
    }
    for (const tensor of this.tensors.values()) {
      if (!map.has(tensor.name)) throw new ModelError(this.source, `weight_map does not list tensor "${tensor.name}" of ${path.basename(tensor.file)}`);
    }
  }

  read(name: string): Float32Array {
    const t = this.tensors.get(name);
    if (!t) throw new ModelError(this.source, `missing tensor "${name}"`);
    const length = t.end - t.begin;
    if (t.dtype === 'F32' && LITTLE_ENDIAN) {
      // Straight into the result: the file's bytes are the Float32Array's bytes.
      const out = new Float32Array(length / 4);
      this.readAt(t.file, t.begin, length, `tensor "${name}"`, new Uint8Array(out.buffer));
      return out;
    }
    const bytes = this.readAt(t.file, t.begin, length, `tensor "${name}"`);
    try {
      return decodeTensor(bytes, { name, dtype: t.dtype, shape: t.shape, begin: 0, end: length });
    } catch (error) {
      if (error instanceof SafetensorsError) throw new ModelError(t.file, `${error.problem} (tensor "${name}", at byte ${t.begin})`, { cause: error });
      throw error;
    }
  }

  readStored(name: string, allocate: TensorAllocator): StoredTensor {
    const t = this.tensors.get(name);
    if (!t) throw new ModelError(this.source, `missing tensor "${name}"`);
    const dtype = t.dtype === 'F32' ? 'f32' : t.dtype === 'F16' ? 'f16' : t.dtype === 'BF16' ? 'bf16' : undefined;
    const length = t.end - t.begin;
    if (!dtype || !LITTLE_ENDIAN) {
      const values = this.read(name);
      const data = allocate('f32', values.length);
      data.set(values);
      return { dtype: 'f32', data };
    }
    const data = allocate(dtype, length / (dtype === 'f32' ? 4 : 2));
    this.readAt(t.file, t.begin, length, `tensor "${name}"`, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    return { dtype, data };
  }

  close(): void {
    for (const fd of this.fds.values()) fs.closeSync(fd);
    this.fds.clear();
  }
}
