// The programmatic API (`require('kaluma-net')`): the same build the CLI runs, for scripts, editor
// integrations and benchmarks.
export { build, type BuildOptions, type BuildResult } from './pipeline/build';
export { listTargetIds, loadTarget } from './targets/load';
