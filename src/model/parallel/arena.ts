/**
 * Where a model's weights live: one shared WebAssembly memory that the GEMM of every thread reads
 * in place, so a forward pass never copies a weight matrix, and float16/bfloat16 weights stay
 * 16-bit (the kernel widens them while packing panels).
 *
 * Contract: `WeightArena` owns a `WebAssembly.Memory({ shared: true })` (a SharedArrayBuffer
 * underneath, so a helper thread can instantiate the same kernel over the same bytes).
 * `allocate(dtype, shape)` reserves a 64-byte-aligned place for one tensor and returns a
 * `ResidentTensor`; `bytesOf(tensor)` is a Uint8Array view of that place for a reader to fill
 * straight from disk (no intermediate buffer). A tensor's place never moves; the memory only
 * grows. `floatsOf` is a zero-copy Float32Array view of an f32 tensor. Pages are committed when
 * first written, so resident memory is what was filled, not what was reserved.
 * The first `RESERVED_BYTES` hold the thread-control words and each thread's packing buffers
 * (see gemmPool.ts). Past the weights, a workspace for one product's activations grows on demand.
 * Limit: wasm32 addresses 4 GiB; `allocate` throws a RangeError past ARENA_MAX_BYTES.
 */
import { DTYPE_BYTES, THREAD_SCRATCH_BYTES, type WeightDtype } from '../../core/kernels/sharedGemm';

const PAGE = 65536;
/** wasm32's last page; addresses stay below 4 GiB. */
const MAX_PAGES = 65536;
/** Keep a margin under 4 GiB for the workspace and the kernel's aligned reads. */
export const ARENA_MAX_BYTES = MAX_PAGES * PAGE - 64 * 1024 * 1024;
/** The most threads whose packing buffers the arena reserves. */
export const MAX_THREADS = 4;
/** Control words (one 4 KiB page's worth), then MAX_THREADS packing buffers. */
export const CONTROL_BYTES = 4096;
export const RESERVED_BYTES = CONTROL_BYTES + MAX_THREADS * (THREAD_SCRATCH_BYTES + 64);

/** One tensor held in the arena. */
export interface ResidentTensor {
  readonly byteOffset: number;
  readonly dtype: WeightDtype;
  readonly shape: readonly number[];
  /** Number of elements (product of the shape). */
  readonly length: number;
}

const align64 = (bytes: number): number => Math.ceil(bytes / 64) * 64;

/** The part of WebAssembly.Memory used here (the project's typings have no WebAssembly globals). */
export interface SharedMemory {
  readonly buffer: SharedArrayBuffer;
  grow(deltaPages: number): number;
}
type MemoryConstructor = new (descriptor: { initial: number; maximum: number; shared: true }) => SharedMemory;

export class WeightArena {
  readonly memory: SharedMemory;
  private top = RESERVED_BYTES;

  constructor(initialBytes = 0) {
    const pages = Math.ceil(Math.max(RESERVED_BYTES + initialBytes, PAGE) / PAGE);
    const { Memory } = (globalThis as unknown as { WebAssembly: { Memory: MemoryConstructor } }).WebAssembly;
    this.memory = new Memory({ initial: pages, maximum: MAX_PAGES, shared: true });
  }

  /** Bytes handed out to tensors so far (the weights' own size plus alignment). */
  get weightBytes(): number {
    return this.top - RESERVED_BYTES;
  }

  /** Reserve a place for a tensor of `shape` in `dtype`; its bytes are zero until filled. */
  allocate(dtype: WeightDtype, shape: readonly number[]): ResidentTensor {
    const length = shape.reduce((a, b) => a * b, 1);
    const byteOffset = this.reserve(length * DTYPE_BYTES[dtype]);
    return { byteOffset, dtype, shape: [...shape], length };
  }

  /** The tensor's bytes, to be filled by a reader. */
  bytesOf(tensor: ResidentTensor): Uint8Array {
    return new Uint8Array(this.memory.buffer, tensor.byteOffset, tensor.length * DTYPE_BYTES[tensor.dtype]);
  }

  /** A zero-copy view of an f32 tensor. */
  floatsOf(tensor: ResidentTensor): Float32Array {
    if (tensor.dtype !== 'f32') throw new TypeError(`floatsOf: the tensor is ${tensor.dtype}, not f32`);
    return new Float32Array(this.memory.buffer, tensor.byteOffset, tensor.length);
  }

  /** A zero-copy view of a 16-bit tensor's raw bits. */
  bitsOf(tensor: ResidentTensor): Uint16Array {
    if (tensor.dtype === 'f32') throw new TypeError('bitsOf: the tensor is f32, not 16-bit');
    return new Uint16Array(this.memory.buffer, tensor.byteOffset, tensor.length);
  }

  /**
   * A scratch region of at least `bytes` just past every tensor, for one product's A, C and bias.
   * Transient: the next `allocate` may place a tensor over it.
   */
  workspace(bytes: number): number {
    const at = align64(this.top);
    this.ensure(at + bytes + 64);
    return at;
  }

  private reserve(bytes: number): number {
    const at = align64(this.top);
    const end = at + align64(Math.max(bytes, 1));
    this.ensure(end);
    this.top = end;
    return at;
  }

  private ensure(end: number): void {
    if (end > ARENA_MAX_BYTES) {
      throw new RangeError(`weight arena: ${(end / 2 ** 30).toFixed(2)} GiB needed; WebAssembly memory holds at most ${(ARENA_MAX_BYTES / 2 ** 30).toFixed(2)} GiB`);
    }
    const have = this.memory.buffer.byteLength;
    if (end > have) this.memory.grow(Math.ceil((end - have) / PAGE));
  }

  /** The whole memory now (grow replaces `memory.buffer` with a longer one: take views afresh). */
  get buffer(): SharedArrayBuffer {
    return this.memory.buffer;
  }
}
