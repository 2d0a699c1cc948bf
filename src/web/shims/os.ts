/** `node:os` for the browser bundle: there is no home folder, so `~/…` settings resolve from "/". */
export function homedir(): string {
  return '/';
}

export function tmpdir(): string {
  return '/tmp';
}

export default { homedir, tmpdir };
