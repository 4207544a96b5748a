/**
 * first-mate — the runtime host and CLI: wires @first-mate/core to tmux,
 * MCP and SQLite.
 */

export * from "./demo/connScene.js";
export * from "./demo/demoSummary.js";
export * from "./demo/runDemo.js";
export * from "./host/connRequests.js";
export * from "./host/embedderTokenFile.js";
export * from "./host/firstMateLauncher.js";
export * from "./host/hostConfig.js";
export * from "./host/identityFile.js";
export * from "./host/identityWatcher.js";
export * from "./host/layeredPromptSource.js";
export * from "./host/nodeScript.js";
export * from "./host/spawnToken.js";
export * from "./host/startHost.js";
export * from "./standIn/channelClient.js";
