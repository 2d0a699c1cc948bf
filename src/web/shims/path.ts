/**
 * `node:path` for the browser bundle: the POSIX functions the host modules call (join, resolve,
 * isAbsolute, basename, dirname, extname, posix). Paths in the browser are URI paths, so POSIX
 * rules are the right ones; there is no working directory, so resolve() starts from "/".
 */
export const sep = '/';

function normalizeParts(parts: readonly string[], absolute: boolean): string {
  const out: string[] = [];
  for (const part of parts) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!absolute) out.push('..');
    } else {
      out.push(part);
    }
  }
  const body = out.join('/');
  return absolute ? `/${body}` : body || '.';
}

export function isAbsolute(p: string): boolean {
  return p.startsWith('/');
}

export function normalize(p: string): string {
  const normalized = normalizeParts(p.split('/'), isAbsolute(p));
  return p.endsWith('/') && normalized !== '/' ? `${normalized}/` : normalized;
}

export function join(...paths: string[]): string {
  const joined = paths.filter((p) => p.length > 0).join('/');
  return joined.length === 0 ? '.' : normalize(joined);
}

export function resolve(...paths: string[]): string {
  let resolved = '';
  for (let i = paths.length - 1; i >= 0 && !isAbsolute(resolved); i--) {
    const p = paths[i]!;
    if (p.length > 0) resolved = resolved.length > 0 ? `${p}/${resolved}` : p;
  }
  return normalizeParts(resolved.split('/'), true);
}

export function basename(p: string, ext?: string): string {
  const trimmed = p.replace(/\/+$/, '');
  const base = trimmed.slice(trimmed.lastIndexOf('/') + 1);
  return ext !== undefined && ext.length > 0 && base.endsWith(ext) && base !== ext ? base.slice(0, -ext.length) : base;
}

export function dirname(p: string): string {
  const trimmed = p.replace(/\/+$/, '');
  const at = trimmed.lastIndexOf('/');
  if (at < 0) return '.';
  return at === 0 ? '/' : trimmed.slice(0, at);
}

export function extname(p: string): string {
  const base = basename(p);
  const dot = base.lastIndexOf('.');
  return dot <= 0 ? '' : base.slice(dot);
}

export const posix = { sep, isAbsolute, normalize, join, resolve, basename, dirname, extname };
export default posix;
