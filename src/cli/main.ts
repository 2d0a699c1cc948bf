// Placeholder entry: the CLI is filled in over src/core and src/emb.
console.log('headlight: not implemented yet');
