import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activateHeadlight, contributedCommands, headlightExtension } from './helpers';

suite('Activation and commands', () => {
  test('the extension activates and returns its test API', async () => {
    const api = await activateHeadlight();
    assert.ok(headlightExtension().isActive);
    assert.ok(api.embeddings, 'api.embeddings');
    assert.ok(api.emb, 'api.emb');
    assert.ok(api.attention, 'api.attention');
  });

  test('every contributed command is registered, in category Headlight', async () => {
    await activateHeadlight();
    const contributed = contributedCommands();
    assert.ok(contributed.some((c) => c.command === 'headlight.showAttention'), 'package.json contributes headlight.showAttention');
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = contributed.filter((c) => !registered.has(c.command)).map((c) => c.command);
    assert.deepEqual(missing, [], `contributed but not registered: ${missing.join(', ')}`);
    const uncategorised = contributed.filter((c) => c.category !== 'Headlight').map((c) => c.command);
    assert.deepEqual(uncategorised, [], `commands outside category "Headlight": ${uncategorised.join(', ')}`);
  });

  test('every keybinding and menu entry names a contributed command', () => {
    const manifest = headlightExtension().packageJSON as {
      contributes?: { keybindings?: { command: string }[]; menus?: Record<string, { command?: string }[]> };
    };
    const known = new Set(contributedCommands().map((c) => c.command));
    const referenced = [
      ...(manifest.contributes?.keybindings ?? []).map((k) => k.command),
      ...Object.values(manifest.contributes?.menus ?? {}).flatMap((items) => items.map((item) => item.command)),
    ].filter((command): command is string => typeof command === 'string' && !command.startsWith('-'));
    const unknown = referenced.filter((command) => !known.has(command));
    assert.deepEqual(unknown, [], `keybindings/menus name commands that are not contributed: ${unknown.join(', ')}`);
  });
});
