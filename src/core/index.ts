// Public surface of the attention core: everything the CLI, the host and the webview may call.
export * from './types';
export * from './linalg';
export * from './similarity';
export * from './softmax';
export * from './attention';
export * from './multihead';
export * from './random';
export * from './safetensors';
export * from './weightSource';
export * from './pca';
