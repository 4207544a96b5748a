/**
 * @first-mate/driver-tmux — the core's tmux port over a real tmux server:
 * one-call fleet observation, spawn/kill/capture/sendText and control-mode
 * events, every command over one persistent control-mode connection.
 */
export {
  type AgentKind,
  type AgentSignature,
  classifyAgent,
  DEFAULT_AGENT_SIGNATURES,
  detectAgent,
} from "@first-mate/core";
export { controlModeCommandLine, MAX_COMMAND_BYTES, quoteControlModeArgument } from "./controlModeCommand.js";
export { type ControlModeLine, parseControlModeLine } from "./controlModeLine.js";
export { type ControlModeOutput, type ControlModeReader, createControlModeReader } from "./controlModeReader.js";
export { endTmuxServer, type ServerEndReport } from "./endTmuxServer.js";
export {
  AGENT_PANE_OPTION,
  createPaneListingParser,
  PANE_LIST_FORMAT,
  PANE_TICK_FORMAT,
  type PaneListingFormat,
  type PaneListingParser,
  parsePaneListing,
  renderPaneListing,
} from "./paneListing.js";
export {
  attachProcessTrees,
  createProcessDriver,
  createProcessTreeAttacher,
  type ProcessTreeAttacher,
} from "./processDriver.js";
export {
  createProcessTableReader,
  DEFAULT_FULL_READ_EVERY,
  DEFAULT_KEPT_STAT_FILES,
  type ProcessSource,
  type ProcessTable,
  type ProcessTableReader,
  parseCmdline,
  parseProcStat,
  parsePsOutput,
  splitPsArgs,
  treeOf,
} from "./processTable.js";
export { execCommandLine, quoteShellWord } from "./shellCommand.js";
export { escapeFormat, protectTrailingSemicolon } from "./tmuxArgument.js";
export type { TmuxOutput, TmuxRunFailure, TmuxServerAddress } from "./tmuxCommandRunner.js";
export {
  createTmuxDriver,
  DEFAULT_CONTROL_SESSION,
  DEFAULT_ENTER_DELAY_MS,
  MAX_CAPTURE_LINES,
  type TmuxDriver,
  type TmuxDriverOptions,
} from "./tmuxDriver.js";
export {
  type CommandEffect,
  createTmuxTransport,
  DEFAULT_COMMAND_TIMEOUT_MS,
  type TmuxTransport,
  type TmuxTransportOptions,
  type TransportFailure,
  type TransportSignal,
  type TransportStats,
} from "./tmuxTransport.js";
