/**
 * gelu_new in WebAssembly (src/core/kernels/activationKernel.ts), the kernel activations.ts and the
 * thread pool's MLP run, against the float64 formula of transformers' NewGELUActivation written
 * out here, and against activations.ts's JS loop.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyActivation } from '../../../../src/core/blocks/activations';
import { setLinalgPath } from '../../../../src/core/linalg';
import { wasmGemmAvailable } from '../../../../src/core/kernels/wasmGemm';

/** ½ x (1 + tanh u) written as x · σ(2u) (the same function; 1 + tanh u cancels to 0 in float64 for u < −19). */
const newGelu = (x: number): number => x / (1 + Math.exp(-2 * Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));

test('wasm gelu_new equals the float64 formula within float32 precision, on every length (the kernel\'s tail lanes)', { skip: !wasmGemmAvailable() && 'no WebAssembly SIMD here' }, () => {
  for (const length of [1, 3, 4, 5, 8, 1027]) {
    const x = Float32Array.from({ length }, (_, i) => (length === 1 ? 0.7 : -30 + (60 * i) / (length - 1)) + Math.sin(i) * 1e-3);
    const wasm = x.slice(), js = x.slice();
    applyActivation(wasm, 'gelu_new');
    const previous = setLinalgPath('js');
    try {
      applyActivation(js, 'gelu_new');
    } finally {
      setLinalgPath(previous);
    }
    for (let i = 0; i < length; i++) {
      const expected = newGelu(x[i]!);
      // u is float32 (as in torch): its rounding, ~6e-8 relative, becomes 2|u|·6e-8 in e^−2|u|.
      const u = Math.abs(Math.sqrt(2 / Math.PI) * (x[i]! + 0.044715 * x[i]! ** 3));
      const tolerance = (4e-7 + 2 * u * 1.2e-7) * Math.abs(expected) + 1e-30;
      assert.ok(Math.abs(wasm[i]! - expected) <= tolerance, `length ${length}, gelu_new(${x[i]}) = ${wasm[i]}, float64 ${expected}`);
      assert.ok(Math.abs(wasm[i]! - js[i]!) <= 2 * tolerance, `length ${length}, x = ${x[i]}: wasm ${wasm[i]}, JS ${js[i]}`);
    }
  }
  const special = Float32Array.from([Number.NaN, Number.POSITIVE_INFINITY, 0, -0, 1e30, -1e30]);
  applyActivation(special, 'gelu_new');
  assert.ok(Number.isNaN(special[0]), 'NaN stays NaN');
  assert.equal(special[1], Number.POSITIVE_INFINITY);
  assert.equal(special[2], 0);
  assert.equal(special[4], Math.fround(1e30), 'x³ overflows float32: u = +∞, t = 0, gelu_new(x) = x');
  assert.ok(special[5] === 0, 'gelu_new(−1e30) = x · 0');
});
