/**
 * Regenerates src/core/kernels/simd.generated.ts from the kernel source (gemmKernel.ts):
 *   npm run build:kernels
 * The output is deterministic; test/unit/core/linalg.kernels.test.ts rebuilds it in memory and
 * fails when the committed file is stale.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { renderGeneratedModule } from '../src/core/kernels/generated';

const target = resolve(__dirname, '..', 'src', 'core', 'kernels', 'simd.generated.ts');
const text = renderGeneratedModule();
writeFileSync(target, text);
console.log(`[build-kernels] wrote ${target} (${text.length} characters)`);
