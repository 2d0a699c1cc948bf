/**
 * `node:worker_threads` for the browser bundle. The web extension host is itself a web worker and
 * cannot start Node workers, so construction fails; every caller (attention compute, the `.emb`
 * loader) catches that or never gets there (`fs.existsSync` of the worker script is false) and
 * computes in-process.
 */
export class Worker {
  constructor(script: string) {
    throw new Error(`worker threads are not available in VS Code for the Web (${script})`);
  }
}

export const parentPort = null;
export const workerData = undefined;
export const isMainThread = true;

export default { Worker, parentPort, workerData, isMainThread };
