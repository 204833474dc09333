// The heavy dependencies, each loaded on first use rather than when the CLI starts: a command that
// never bundles (`targets`, `ports`, `inspect` of an image, `--version`) does not pay for esbuild or
// acorn. serialport has its own loader (util/serialport.ts).

export const esbuild = (): typeof import('esbuild') => require('esbuild');
export const acorn = (): typeof import('acorn') => require('acorn');
export const acornWalk = (): typeof import('acorn-walk') => require('acorn-walk');
export const traceMapping = (): typeof import('@jridgewell/trace-mapping') => require('@jridgewell/trace-mapping');
