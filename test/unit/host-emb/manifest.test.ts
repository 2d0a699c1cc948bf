import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { EMB_COMMAND_IDS } from '../../../src/host/emb/commandIds';

interface Setting {
  type?: string;
  default?: unknown;
  description?: string;
  markdownDescription?: string;
  minimum?: number;
  maximum?: number;
  enum?: unknown[];
}

const manifest = JSON.parse(readFileSync('package.json', 'utf8'));
const contributes = manifest.contributes;

test('the emb language, its configuration and its grammar are contributed and exist', () => {
  const language = contributes.languages.find((l: { id: string }) => l.id === 'emb');
  assert.ok(language, 'language emb');
  assert.deepEqual(language.extensions, ['.emb']);
  assert.ok(existsSync(language.configuration), language.configuration);
  const config = JSON.parse(readFileSync(language.configuration, 'utf8'));
  assert.equal(config.comments.lineComment, '#');
  const grammar = contributes.grammars.find((g: { language: string }) => g.language === 'emb');
  assert.ok(existsSync(grammar.path), grammar.path);
  assert.equal(JSON.parse(readFileSync(grammar.path, 'utf8')).scopeName, grammar.scopeName);
});

test('every .emb command is contributed in category Headlight', () => {
  for (const id of EMB_COMMAND_IDS) {
    const command = contributes.commands.find((c: { command: string }) => c.command === id);
    assert.ok(command, id);
    assert.equal(command.category, 'Headlight');
  }
});

test('every headlight setting has a type, a default, a description, and bounds that hold its default', () => {
  const properties: Record<string, Setting> = Array.isArray(contributes.configuration)
    ? Object.assign({}, ...contributes.configuration.map((c: { properties: Record<string, Setting> }) => c.properties))
    : contributes.configuration.properties;
  for (const key of [
    'headlight.embeddings.file',
    'headlight.hover.neighbors',
    'headlight.neighbors.measure',
    'headlight.neighbors.count',
    'headlight.index.largeFileThresholdMB',
    'headlight.index.debounceMs',
    'headlight.diagnostics.maxProblems',
  ]) {
    const setting = properties[key];
    assert.ok(setting, key);
    assert.ok(setting.type, `${key}: type`);
    assert.ok('default' in setting, `${key}: default`);
    assert.ok((setting.description ?? setting.markdownDescription ?? '').length > 20, `${key}: description`);
    if (setting.type === 'integer' || setting.type === 'number') {
      assert.ok(typeof setting.minimum === 'number' && typeof setting.maximum === 'number', `${key}: minimum and maximum`);
      const value = setting.default as number;
      assert.ok(value >= setting.minimum && value <= setting.maximum, `${key}: default within bounds`);
    }
    if (setting.enum) assert.ok(setting.enum.includes(setting.default), `${key}: default is one of the enum`);
  }
  assert.deepEqual(properties['headlight.hover.neighbors'], { ...properties['headlight.hover.neighbors'], default: 5, minimum: 1, maximum: 50 });
});

test('workspace trust and virtual workspaces are declared', () => {
  assert.deepEqual(manifest.capabilities.untrustedWorkspaces, { supported: true });
  const virtual = manifest.capabilities.virtualWorkspaces;
  assert.ok(virtual === true || (virtual.supported === 'limited' && virtual.description.length > 20));
});
