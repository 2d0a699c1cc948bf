/**
 * `node:crypto` for the browser bundle: only `randomBytes(n).toString('base64')`, which the webview
 * HTML uses for its CSP nonce. The bytes come from the Web Crypto API, as secure as Node's.
 */
class RandomBytes extends Uint8Array {
  override toString(encoding?: string): string {
    if (encoding === 'base64') return btoa(String.fromCharCode(...this));
    if (encoding === 'hex') return Array.from(this, (b) => b.toString(16).padStart(2, '0')).join('');
    return super.toString();
  }
}

export function randomBytes(size: number): RandomBytes {
  const bytes = new RandomBytes(size);
  globalThis.crypto.getRandomValues(bytes);
  return bytes;
}

export default { randomBytes };
