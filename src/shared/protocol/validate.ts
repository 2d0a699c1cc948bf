/**
 * Validation of what arrives over postMessage, for every protocol in src/shared.
 *
 * postMessage data is untyped at runtime: a stale webview after an update, or a page that is not
 * ours, must not be able to crash or confuse the receiver. So every message is checked against
 * its declared shape before a handler sees it. A check returns undefined when the value fits, else
 * what is wrong and where (`snapshot.head.weights: expected an ArrayBuffer of 4-byte values`).
 *
 * Each direction of each webview has ONE table, `CheckTable<Message>`: a check per message
 * `type`, keyed by it. The mapped type makes a message without a check a compile error, and a
 * handler's `switch` over the same union ends in `assertNever`, so a message nobody handles is
 * one too.
 *
 * Pure module: no `vscode`, no DOM, no node.
 */

/** A check returns undefined when the value fits, else what is wrong and where. */
export type Check = (value: unknown, path: string) => string | undefined;

/** One check per field of T, none missing, none extra (enforced by the type). */
export type Fields<T> = { readonly [K in keyof T]-?: Check };

/** A direction's validators: one per message type, keyed by that type. */
export type CheckTable<M extends { readonly type: string }> = { readonly [K in M['type']]: Check };

/** What a validator says: the typed message, or why it was refused. */
export type Validated<T> = { readonly ok: true; readonly message: T } | { readonly ok: false; readonly reason: string };

export const LIMITS = {
  /** Far above any setting (maxTokens ≤ 4096); only there to refuse absurd allocations. */
  maxDim: 1 << 16,
  maxText: 1 << 16,
  maxDataUrl: 64 << 20,
  maxHeads: 1024,
} as const;

/** The `default:` of every message switch: a compile error when a message type is not handled. */
export function assertNever(value: never, what = 'message'): never {
  throw new Error(`Unhandled ${what}: ${JSON.stringify(value)}`);
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof ArrayBuffer) return `an ArrayBuffer of ${value.byteLength} bytes`;
  return typeof value;
}

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof ArrayBuffer);

export const str = (maxLength: number = LIMITS.maxText): Check => (v, p) =>
  typeof v !== 'string' ? `${p}: expected a string, got ${describe(v)}` : v.length > maxLength ? `${p}: longer than ${maxLength} characters` : undefined;

export const bool: Check = (v, p) => (typeof v === 'boolean' ? undefined : `${p}: expected true or false, got ${describe(v)}`);

/** Any number Float32 can carry (including ±Infinity for masked scores), never NaN. */
export const num: Check = (v, p) => (typeof v === 'number' && !Number.isNaN(v) ? undefined : `${p}: expected a number, got ${describe(v)}`);

export const finite = (min = -Infinity, max = Infinity): Check => (v, p) =>
  typeof v !== 'number' || !Number.isFinite(v)
    ? `${p}: expected a finite number, got ${describe(v)}`
    : v < min || v > max
      ? `${p}: ${v} is outside [${min}, ${max}]`
      : undefined;

export const int = (min: number, max: number): Check => (v, p) =>
  typeof v !== 'number' || !Number.isInteger(v)
    ? `${p}: expected an integer, got ${describe(v)}`
    : v < min || v > max
      ? `${p}: ${v} is outside [${min}, ${max}]`
      : undefined;

export const oneOf = <T extends string>(values: readonly T[]): Check => (v, p) =>
  typeof v === 'string' && (values as readonly string[]).includes(v) ? undefined : `${p}: expected one of ${values.join(', ')}, got ${JSON.stringify(v)}`;

export const literal = (value: string): Check => (v, p) => (v === value ? undefined : `${p}: expected "${value}"`);

export const optional = (check: Check): Check => (v, p) => (v === undefined ? undefined : check(v, p));

export const nullable = (check: Check): Check => (v, p) => (v === null ? undefined : check(v, p));

export const arrayOf = (check: Check, maxLength: number): Check => (v, p) => {
  if (!Array.isArray(v)) return `${p}: expected an array, got ${describe(v)}`;
  if (v.length > maxLength) return `${p}: more than ${maxLength} items`;
  for (let i = 0; i < v.length; i++) {
    const problem = check(v[i], `${p}[${i}]`);
    if (problem) return problem;
  }
  return undefined;
};

export const buffer = (bytesPerValue: number): Check => (v, p) =>
  v instanceof ArrayBuffer && v.byteLength % bytesPerValue === 0 ? undefined : `${p}: expected an ArrayBuffer of ${bytesPerValue}-byte values, got ${describe(v)}`;

export function object<T>(fields: Fields<T>): Check {
  const known = new Set(Object.keys(fields));
  return (v, p) => {
    if (!isRecord(v)) return `${p}: expected an object, got ${describe(v)}`;
    for (const key of Object.keys(v)) {
      if (!known.has(key)) return `${p}: unexpected field "${key}"`;
    }
    for (const [key, check] of Object.entries(fields) as [string, Check][]) {
      const problem = check(v[key], `${p}.${key}`);
      if (problem) return problem;
    }
    return undefined;
  };
}

/** Extra whole-value conditions once the fields fit (sizes that must agree, indices in range). */
export const refine = (check: Check, condition: (v: never) => string | undefined): Check => (v, p) =>
  check(v, p) ?? condition(v as never);

/** Longest piece of an unknown `type` repeated in a refusal (it goes into the log). */
const TYPE_SHOWN = 80;

/** An unknown `type` for the log: a string quoted and cut to TYPE_SHOWN characters, else its kind. */
function describeType(type: unknown): string {
  if (typeof type !== 'string') return describe(type);
  return JSON.stringify(type.length > TYPE_SHOWN ? `${type.slice(0, TYPE_SHOWN - 1)}…` : type);
}

export function validateWith<T>(checks: Readonly<Record<string, Check>>, data: unknown): Validated<T> {
  if (!isRecord(data)) return { ok: false, reason: `message: expected an object, got ${describe(data)}` };
  const type = data.type;
  if (typeof type !== 'string' || !Object.prototype.hasOwnProperty.call(checks, type)) {
    return { ok: false, reason: `message: unknown type ${describeType(type)}` };
  }
  const problem = checks[type]!(data, type);
  return problem ? { ok: false, reason: problem } : { ok: true, message: data as T };
}

/** A direction's validator from its table. */
export function validatorFor<M extends { readonly type: string }>(checks: CheckTable<M>): (data: unknown) => Validated<M> {
  return (data) => validateWith<M>(checks as Readonly<Record<string, Check>>, data);
}

/**
 * Two features' tables, merged into one direction's table. `Disjoint` is `never` when both
 * declare a message type, so the merge below refuses to compile instead of one check silently
 * replacing the other.
 */
export type Disjoint<A extends string, B extends string> = [Extract<A, B>] extends [never] ? unknown : never;

export function mergeChecks<A extends { readonly type: string }, B extends { readonly type: string }>(
  a: CheckTable<A>,
  b: CheckTable<B> & Disjoint<A['type'], B['type']>,
): CheckTable<A | B> {
  return { ...a, ...b } as CheckTable<A | B>;
}
