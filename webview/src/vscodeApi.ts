/**
 * The webview's side of postMessage: typed sends, validated receives. `acquireVsCodeApi` may be
 * called once per page, so both webview entries go through here.
 */
import type { Validated } from '../../src/shared/protocol';
import { unpackBuffers } from '../../src/shared/wireBuffers';

interface VsCodeApi<TState> {
  postMessage(message: unknown): void;
  getState(): TState | undefined;
  setState(state: TState): TState;
}

declare function acquireVsCodeApi<TState>(): VsCodeApi<TState>;

let receivedAt = 0;

/** When the last message arrived (ms since the epoch): the panel logs it with its paint time. */
export function lastReceipt(): number {
  return receivedAt;
}

export interface Channel<TOut, TIn, TState> {
  post(message: TOut): void;
  /** Every message that passes `validate`; the others are logged to the host and dropped. */
  onMessage(handler: (message: TIn) => void): void;
  getState(): TState | undefined;
  setState(state: TState): void;
}

export function openChannel<TOut, TIn, TState>(
  validate: (data: unknown) => Validated<TIn>,
  logMessage: (message: string) => TOut,
): Channel<TOut, TIn, TState> {
  const api = acquireVsCodeApi<TState>();
  return {
    post: (message) => api.postMessage(message),
    onMessage: (handler) => {
      window.addEventListener('message', (event: MessageEvent<unknown>) => {
        receivedAt = performance.timeOrigin + performance.now();
        const checked = validate(unpackBuffers(event.data));
        if (checked.ok) {
          handler(checked.message);
        } else {
          api.postMessage(logMessage(`webview ignored a message: ${checked.reason}`));
        }
      });
    },
    getState: () => api.getState(),
    setState: (state) => void api.setState(state),
  };
}
