/**
 * Time-budgeted slicing of long work on the calling thread (the extension host must never be held
 * for more than 50 ms at a time).
 *
 * Contract: the sliced generators (`assemble`, `prepareNeighborIndex`) yield after small, cheap
 * units of work (about a thousand rows, well under a millisecond each); they never decide when to
 * pause. `runSliced` steps them and goes back to the event loop only when SLICE_MS has passed since
 * the last pause — so a slice is bounded by time, whatever the machine's speed or load, and a fast
 * machine does not pay for needless pauses. `Slicer` is the same budget for async loops (block
 * parsing) that check it between pieces.
 */

/** The calling thread goes back to the event loop once a slice has run this long. */
export const SLICE_MS = 12;

/** Yield units: rows of a vocabulary/index step, and values (floats) of a copy step. */
export const SLICE_ROWS = 1024;
export const SLICE_VALUES = 1 << 17;

export const yieldToEventLoop = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));

/** A time budget for one slice of work; `pause()` yields only when the budget is spent. */
export class Slicer {
  private sliceStart = performance.now();

  constructor(
    private readonly signal?: AbortSignal,
    private readonly budgetMs = SLICE_MS,
  ) {}

  /** True when this slice has run for its budget. */
  get due(): boolean {
    return performance.now() - this.sliceStart > this.budgetMs;
  }

  /** Yields to the event loop if the slice is spent (then checks the signal); otherwise returns at once. */
  pause(): Promise<void> | undefined {
    return this.due ? this.pauseNow() : undefined;
  }

  /** Yields to the event loop now, then checks the signal and starts a new slice. */
  async pauseNow(): Promise<void> {
    await yieldToEventLoop();
    this.signal?.throwIfAborted();
    this.restart();
  }

  /** Starts a new slice (after the caller waited on I/O, which already let the event loop run). */
  restart(): void {
    this.sliceStart = performance.now();
  }
}

/** Runs a sliced generator to its end, going back to the event loop whenever a slice's budget is spent. */
export async function runSliced<T>(work: Generator<void, T>, signal?: AbortSignal, slicer = new Slicer(signal)): Promise<T> {
  for (;;) {
    const step = work.next();
    if (step.done) return step.value;
    const paused = slicer.pause();
    if (paused) await paused;
  }
}

/** Runs a sliced generator to its end without pausing (the synchronous parsers). */
export function runToEnd<T>(work: Generator<void, T>): T {
  for (;;) {
    const step = work.next();
    if (step.done) return step.value;
  }
}
