// Public surface of the attention core. Filled in by the core work.
export {};
