/** What the integration tests share: the extension under test, its API, fixtures, and waiting. */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { HeadlightTestApi } from '../../../src/host/testApi';

/** `publisher.name` from package.json. */
export const extensionId = 'headlight.headlight';

export function headlightExtension(): vscode.Extension<HeadlightTestApi> {
  const extension = vscode.extensions.getExtension<HeadlightTestApi>(extensionId);
  assert.ok(extension, `extension ${extensionId} is not loaded in this host`);
  return extension;
}

export async function activateHeadlight(): Promise<HeadlightTestApi> {
  return headlightExtension().activate();
}

export interface ContributedCommand {
  readonly command: string;
  readonly title: string;
  readonly category?: string;
}

export function contributedCommands(): readonly ContributedCommand[] {
  const manifest = headlightExtension().packageJSON as { contributes?: { commands?: ContributedCommand[] } };
  return manifest.contributes?.commands ?? [];
}

/** The fixture workspace the runners open (test/integration/workspace). */
export function workspaceUri(...segments: string[]): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the integration runner must open test/integration/workspace as the folder');
  return vscode.Uri.joinPath(folder.uri, ...segments);
}

/** Polls until `probe` returns something other than undefined, or fails naming what it waited for. */
export async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const detail = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Reads a field the DOM/test-API contract (test/e2e/DOM-CONTRACT.md) promises but the current type may not declare yet. */
export function contractField<T>(owner: object, field: string, contract: string): T {
  const value = (owner as Record<string, unknown>)[field];
  assert.ok(value !== undefined, `missing ${contract}`);
  return value as T;
}

/** The rendered text of every hover at a position. */
export async function hoverText(uri: vscode.Uri, position: vscode.Position): Promise<string> {
  const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, position);
  return hovers
    .flatMap((hover) => hover.contents)
    .map((content) => (typeof content === 'string' ? content : content.value))
    .join('\n');
}
