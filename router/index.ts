// What other parts of Slipway (the single-node launcher) use of the router.
export { loadRouterConfig, type RouterConfig, type RouterTimeouts } from './config.js';
export { startRouter, type RunningRouter } from './router.js';
export { HaproxyStartError, RouterError } from './errors.js';
