// Kaluma's `global` (the global object under its own name): the one board global a program needs to load.
globalThis.global = globalThis;
