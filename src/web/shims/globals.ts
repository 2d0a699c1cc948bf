/**
 * Node globals the shared host modules use, for the web extension host (a web worker):
 * `setImmediate` (yielding to the event loop between slices of work). A MessageChannel task
 * runs sooner than `setTimeout(0)`, which browsers clamp after a few nested calls.
 */
type Immediate = (callback: (...args: unknown[]) => void, ...args: unknown[]) => unknown;

const scope = globalThis as { setImmediate?: Immediate };
if (typeof scope.setImmediate !== 'function') {
  const queue: (() => void)[] = [];
  const channel = new MessageChannel();
  // Assigning onmessage (the browser's property, absent from Node's typings) also starts the port.
  (channel.port1 as unknown as { onmessage: (() => void) | null }).onmessage = () => queue.shift()?.();
  scope.setImmediate = (callback, ...args) => {
    queue.push(() => callback(...args));
    channel.port2.postMessage(undefined);
    return queue.length;
  };
}

export {};
