/**
 * Many ArrayBuffers in one webview message, carried as one. VS Code's Webview.postMessage sends
 * each ArrayBuffer of a message as its own RPC argument, and its RPC protocol counts a call's
 * arguments in one byte (rpcProtocol's MessageIO.writeMixedArray: writeUInt8(length)): past about
 * 250 buffers the count wraps and every later buffer arrives as undefined. A 32 × 32 model's
 * snapshot holds over a thousand thumbnails. So, past MAX_SEPARATE_BUFFERS, the sender copies every
 * buffer into one and leaves [offset, length] in its place; the page cuts them out again before it
 * validates the message. Messages with few buffers travel as they are.
 */

/** Well below the 255 arguments one RPC call can count. */
export const MAX_SEPARATE_BUFFERS = 64;

const PACKED = '$headlightPackedBuffers';
const REF = '$headlightBufferRef';

type Walk = (value: unknown) => unknown;

function mapTree(value: unknown, visit: (value: unknown) => unknown | undefined): unknown {
  const walk: Walk = (v) => {
    const replaced = visit(v);
    if (replaced !== undefined) return replaced;
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object' && !(v instanceof ArrayBuffer) && !ArrayBuffer.isView(v)) {
      const out: Record<string, unknown> = {};
      for (const [k, child] of Object.entries(v)) out[k] = walk(child);
      return out;
    }
    return v;
  };
  return walk(value);
}

function countBuffers(value: unknown): number {
  if (value instanceof ArrayBuffer) return 1;
  if (Array.isArray(value)) return value.reduce((a: number, v) => a + countBuffers(v), 0);
  if (value !== null && typeof value === 'object' && !ArrayBuffer.isView(value)) return Object.values(value).reduce((a: number, v) => a + countBuffers(v), 0);
  return 0;
}

/** The message as it goes to postMessage: itself, or (over MAX_SEPARATE_BUFFERS buffers) one buffer and references. The message is not changed. */
export function packBuffers(message: unknown): unknown {
  if (countBuffers(message) <= MAX_SEPARATE_BUFFERS) return message;
  const parts: ArrayBuffer[] = [];
  let offset = 0;
  const body = mapTree(message, (v) => {
    if (!(v instanceof ArrayBuffer)) return undefined;
    // 8-byte aligned, so the page may view any part as Float64 too.
    const at = offset;
    parts.push(v);
    offset += Math.ceil(v.byteLength / 8) * 8;
    return { [REF]: [at, v.byteLength] };
  });
  const packed = new Uint8Array(offset);
  let at = 0;
  for (const part of parts) {
    packed.set(new Uint8Array(part), at);
    at += Math.ceil(part.byteLength / 8) * 8;
  }
  return { [PACKED]: packed.buffer, message: body };
}

/** What the page received, with packed buffers cut out again (each its own ArrayBuffer); anything else as is. */
export function unpackBuffers(data: unknown): unknown {
  if (data === null || typeof data !== 'object' || !(PACKED in data)) return data;
  const packed = (data as Record<string, unknown>)[PACKED];
  if (!(packed instanceof ArrayBuffer)) return data;
  return mapTree((data as Record<string, unknown>).message, (v) => {
    if (v === null || typeof v !== 'object' || !(REF in v)) return undefined;
    const ref = (v as Record<string, unknown>)[REF];
    if (!Array.isArray(ref) || ref.length !== 2) return undefined;
    const [start, length] = ref as unknown[];
    if (!Number.isInteger(start) || !Number.isInteger(length) || (start as number) < 0 || (length as number) < 0 || (start as number) + (length as number) > packed.byteLength) return undefined;
    return packed.slice(start as number, (start as number) + (length as number));
  });
}
