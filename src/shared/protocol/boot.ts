/**
 * The attention panel's state outside its messages: the first `init` carried inside the page's
 * HTML (boot), and what the panel persists for the serializer.
 *
 * Pure module: no `vscode`, no DOM, no node.
 */
import { panelOptions, projection, type PanelOptions, type Projection } from './common';
import type { InitMessage } from './attention';
import { validateToPanel } from './panel';
import { LIMITS, arrayOf, int, isRecord, object, str, type Check, type Validated } from './validate';

// ---------------------------------------------------------------------------------------------
// Boot: the first `init` inside the page itself
// ---------------------------------------------------------------------------------------------

/**
 * When the picture is ready before its panel is created (a sentence is computed in a few
 * milliseconds), the page's HTML carries the `init` in `#app[data-boot]` — escaped JSON in an
 * attribute, read as data and validated like any message, never executed — and the page draws it
 * at once instead of after the ready → init round trip. The handshake still happens; its `init`
 * then says `sameAsBoot`. ArrayBuffers are written as `{ "$bytes": "<base64>" }`.
 */
export function bootPayload(init: InitMessage): unknown {
  return JSON.parse(JSON.stringify(init, (_key, value: unknown) => (value instanceof ArrayBuffer ? { $bytes: toBase64(new Uint8Array(value)) } : value)));
}

/** The longest `data-boot` read (the host only boots small pictures). */
export const MAX_BOOT_CHARS = 1 << 20;

/** `#app[data-boot]` back into a validated `init`. */
export function readBoot(text: string): Validated<InitMessage> {
  if (text.length > MAX_BOOT_CHARS) return { ok: false, reason: `boot: longer than ${MAX_BOOT_CHARS} characters` };
  let data: unknown;
  try {
    data = JSON.parse(text, (_key, value: unknown) => {
      if (!isRecord(value) || typeof value.$bytes !== 'string' || Object.keys(value).length !== 1) return value;
      const bytes = fromBase64(value.$bytes);
      return bytes ? bytes.buffer : value; // a bad encoding stays an object and fails validation
    });
  } catch (error) {
    return { ok: false, reason: `boot: not JSON (${error instanceof Error ? error.message : String(error)})` };
  }
  if (!isRecord(data) || data.type !== 'init') return { ok: false, reason: 'boot: expected an init message' };
  return validateToPanel(data) as Validated<InitMessage>;
}

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

function fromBase64(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) return undefined;
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Only for the panel's persisted state (getState/setState and the serializer's `state`). */
export interface PersistedPanelState {
  readonly version: 1;
  /** The tokens the panel showed, so a reload recomputes the same picture. */
  readonly words: readonly string[];
  /** The .emb file the tokens were taken from; '' for the active embedding set. */
  readonly setUri: string;
  readonly options: PanelOptions;
  readonly focusedHead: number;
  readonly selectedRow: number;
  readonly projection: Projection;
}

const persistedState: Check = object<PersistedPanelState>({
  version: (v, p) => (v === 1 ? undefined : `${p}: expected 1`),
  words: arrayOf(str(), LIMITS.maxDim * 4),
  setUri: str(),
  options: panelOptions,
  focusedHead: int(0, LIMITS.maxHeads),
  selectedRow: int(0, LIMITS.maxDim),
  projection,
});

export function validatePersistedState(data: unknown): Validated<PersistedPanelState> {
  const problem = persistedState(data, 'state');
  return problem ? { ok: false, reason: problem } : { ok: true, message: data as PersistedPanelState };
}
