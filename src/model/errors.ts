/**
 * The one error type of model folders (src/model/): what is wrong, and in which file.
 *
 * Contract: `new ModelError(file, problem)` → `.file` is the path as given (a folder's file,
 * such as ".../config.json" or ".../model-00001-of-00002.safetensors"), `.problem` the bare
 * description, and `.message` is "<file>: <problem>" so a one-line print names the file first.
 * Byte offsets, tensor names, expected and found shapes go into `problem` by the thrower.
 */
export class ModelError extends Error {
  override readonly name = 'ModelError';
  constructor(
    /** The file the problem is in (or the folder, when a file is missing). */
    readonly file: string,
    /** What is wrong, without the file name. */
    readonly problem: string,
    options?: { readonly cause?: unknown },
  ) {
    super(`${file}: ${problem}`, options);
  }
}
