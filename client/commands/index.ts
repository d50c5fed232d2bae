// Every verb's module, each loaded on demand. The CLI bundle (scripts/build-cli.ts) makes this file and all it loads
// a script of its own, dist/cli/verbs.cjs, so that `promoter --help` reads and compiles none of it.
export const status = () => import('./status.js');
export const explain = () => import('./explain.js');
export const promote = () => import('./promote.js');
export const forcePromote = () => import('./force-promote.js');
export const controls = () => import('./controls.js');
export const history = () => import('./history.js');
export const schedule = () => import('./schedule.js');
export const reportResult = () => import('./report-result.js');
export const dlrnReads = () => import('./dlrn-reads.js');
export const shadow = () => import('./shadow.js');
export const config = () => import('./config.js');
export const completion = () => import('./completion.js');
