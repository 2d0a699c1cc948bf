import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

test('package.json contributes the Show Attention command in category Headlight', () => {
  const manifest = JSON.parse(readFileSync('package.json', 'utf8'));
  const command = manifest.contributes.commands.find((c: { command: string }) => c.command === 'headlight.showAttention');
  assert.equal(command?.category, 'Headlight');
});
