/** Command ids of the `.emb` features (vscode-free, so the manifest test can check them). */
export const EMB_COMMANDS = {
  compareWords: 'headlight.compareWords',
  findNearestWords: 'headlight.findNearestWords',
  wordAnalogy: 'headlight.wordAnalogy',
  useEmbeddingsFile: 'headlight.useEmbeddingsFile',
  reindexEmbeddingsFile: 'headlight.reindexEmbeddingsFile',
} as const;

export const EMB_COMMAND_IDS: readonly string[] = Object.values(EMB_COMMANDS);
