/**
 * @first-mate/driver-mcp — the channel port over MCP: a unix-socket channel
 * server with per-pane sessions and the first-mate tools, its socket
 * transport, and the stdio shim agents launch.
 */
export * from "./channelServer.js";
export * from "./channelServerError.js";
export * from "./channelTools.js";
export * from "./connectChannel.js";
export * from "./embedderSession.js";
export * from "./embedderTools.js";
export * from "./firstMateClaims.js";
export * from "./firstMateIdentity.js";
export * from "./hello.js";
export * from "./hookConnection.js";
export * from "./instructions.js";
export * from "./limits.js";
export * from "./privateSocketPath.js";
export * from "./shim/defaultSocketPath.js";
export * from "./shim/runShim.js";
export * from "./shim/socketDirectoryCheck.js";
export * from "./socketTransport.js";
export * from "./validateMeta.js";
