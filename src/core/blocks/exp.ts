/**
 * e^x for the forward pass's hot loops: every attention weight (softmax over n² scores per head)
 * and every MLP activation (gelu_new, silu, erf-gelu) takes one. V8's Math.exp is a call into
 * the runtime's fdlibm port that TurboFan cannot inline (~10 ns); this one is a few multiply-adds
 * that it inlines into the loop (~2 ns), and at GPT-2-small size with 512 tokens that is 38 M
 * softmax entries and 19 M activations a pass.
 *
 * Contract:
 *   expFast(x) = e^x in float64, relative error below 1e-12 against Math.exp for −708 ≤ x ≤ 709
 *   (test/unit/core/exp.test.ts checks it over that range). Outside it (float64's subnormal and
 *   overflow ends, ±Infinity, NaN) it is Math.exp itself.
 *
 * Method (Cody–Waite range reduction with a table of 2^(j/64), as musl's exp.c):
 *   k = round(64·x / ln 2),  r = x − k·(ln 2/64)_hi − k·(ln 2/64)_lo,  |r| ≤ ln 2 / 128 ≈ 0.0054
 *   e^x = 2^⌊k/64⌋ · 2^((k mod 64)/64) · e^r,  e^r by its Taylor series to r⁵/5!
 *   (truncation 0.0054⁶/6! ≈ 3e-17). A short polynomial matters: its steps depend on each other,
 *   and a degree-11 series on |r| ≤ 0.35 made this slower than Math.exp.
 *
 * Numerical stability: ln 2/64 is split in two; the high part has 32 significant bits, so
 * k·hi is exact for |k| < 2²¹ (|x| ≤ 709 gives |k| ≤ 65,500) and r keeps full precision.
 */

const SIXTY_FOUR_OVER_LN2 = 92.33248261689366; // 64 / ln 2
const LN2_HI_64 = 0.6931471803691238 / 64; // fdlibm e_exp.c ln2HI[0] / 64 (exact)
const LN2_LO_64 = 1.9082149292705877e-10 / 64; // fdlibm e_exp.c ln2LO[0] / 64
const ROUNDER = 6755399441055744; // 1.5 · 2⁵²
const K_MIN = -1023;
const K_MAX = 1023;

/** 2^i for i in [K_MIN, K_MAX]: index i − K_MIN. */
const POW2 = (() => {
  const table = new Float64Array(K_MAX - K_MIN + 1);
  for (let i = K_MIN; i <= K_MAX; i++) table[i - K_MIN] = Math.pow(2, i);
  return table;
})();

/** 2^(j/64) for j = 0 … 63. */
const POW2_FRACTION = Float64Array.from({ length: 64 }, (_, j) => Math.pow(2, j / 64));

export function expFast(x: number): number {
  // |x| ≤ 708 keeps every power of two here a normal float64; the rest (and NaN) is rare.
  if (!(x >= -708 && x <= 709)) return Math.exp(x);
  // k = round(64·x / ln 2) by adding 1.5·2⁵² (the float64 addition rounds to an integer): Math.round
  // and Math.floor are calls V8 did not inline here (~10 ns and ~4 ns a value).
  const kd = x * SIXTY_FOUR_OVER_LN2 + ROUNDER - ROUNDER;
  const k = kd | 0;
  const r = x - kd * LN2_HI_64 - kd * LN2_LO_64;
  const p = 1 + r * (1 + r * (1 / 2 + r * (1 / 6 + r * (1 / 24 + r * (1 / 120)))));
  return p * POW2_FRACTION[k & 63]! * POW2[(k >> 6) - K_MIN]!;
}
