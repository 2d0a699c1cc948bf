/**
 * Turns on WebAssembly relaxed SIMD where the engine has it behind a flag, so the GEMM picks its
 * fused multiply-add build (gemmLayout.ts RELAXED_FMA: a 6 × 8 tile, ~1.3× the SIMD128 one's speed
 * on this bench machine). Relaxed SIMD is a finished part of the standard and on by default from
 * V8 11.4: Node ≥ 22 and VS Code's Electron. Node 20's V8 (11.3) has it complete behind
 * --experimental-wasm-relaxed-simd; this sets that flag at run time.
 *
 * Contract: `enableRelaxedSimd()` returns whether the relaxed build validates afterwards. Call it
 * once, at a process's entry (the CLI), before any kernel is instantiated: the private-memory
 * kernel keeps the build it loaded first, and a pool must run the same build as the thread that
 * checks it (the numbers differ between builds in the last bits). It changes nothing where the
 * build already validates (Electron, Node ≥ 22) or where the flag is unknown.
 */
import { setFlagsFromString } from 'node:v8';
import { decodeBase64 } from '../../core/kernels/base64';
import { GEMM_RELAXED_FMA_BASE64 } from '../../core/kernels/simd.generated';

/** WebAssembly.validate, read off globalThis (the node typings used here do not declare it). */
const validate = (bytes: Uint8Array): boolean =>
  (globalThis as unknown as { WebAssembly?: { validate(b: Uint8Array): boolean } }).WebAssembly?.validate(bytes) ?? false;

export function enableRelaxedSimd(): boolean {
  const bytes = decodeBase64(GEMM_RELAXED_FMA_BASE64);
  if (validate(bytes)) return true;
  try {
    // V8 reads its wasm feature flags when it validates a module, so this takes effect for every later one (workers too).
    setFlagsFromString('--experimental-wasm-relaxed-simd');
  } catch {
    return false;
  }
  return validate(bytes);
}
