// Placeholder entry: the attention panel's script.
export {};
