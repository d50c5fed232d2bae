// Every workflow the worker runs (the bundle's entry point).
export { releaseController } from './controller.js';
export { labelReport } from './label-report.js';
export { promotion } from './promotion.js';
export { promoteRelease } from './release.js';
export { stage } from './stage.js';
export { tick } from './tick.js';
export { shadow } from './shadow.js';
