/**
 * @first-mate/driver-tmux/testing — a private tmux server for integration
 * tests and benchmarks (ours and embedders'), and a wait for a process to
 * exit. Uses no test framework.
 */
export {
  createIsolatedTmuxServer,
  type IsolatedTmuxServer,
  type IsolatedTmuxServerOptions,
  type KeepaliveSession,
  startIsolatedTmuxServer,
} from "./isolatedTmuxServer.js";
export { processAlive, waitForProcessExit } from "./waitForProcessExit.js";
