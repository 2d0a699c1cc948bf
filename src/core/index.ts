// Public surface of the attention core (filled in by the core work).
export * from "./types";
export * from "./linalg";
