/**
 * How long Headlight keeps the extension host busy when it starts: from the moment `activate()` is
 * called to its return. Logged once to the Headlight channel and handed to the test API as
 * `activationMs` (target: under 30 ms). What activate does is registration only; the work that
 * costs (reading and parsing the lesson set, compiling wasm kernels, starting workers) happens on
 * first use or after activate has returned.
 */
import type * as vscode from 'vscode';

export interface ActivationTimer {
  /** Logs the time since the timer started and adds it to the API as `activationMs`. */
  finish<T extends object>(log: vscode.LogOutputChannel, api: T): T & { readonly activationMs: number };
}

/** Call first thing in `activate()`. */
export function startActivationTimer(host: 'desktop' | 'web' = 'desktop'): ActivationTimer {
  const started = performance.now();
  return {
    finish(log, api) {
      const activationMs = performance.now() - started;
      log.info(`activated (${host}) in ${activationMs.toFixed(1)} ms`);
      return Object.assign(api, { activationMs });
    },
  };
}
