/**
 * The channel port: pushes to agents' channel sessions, and what those
 * sessions do (attach, detach). Tool calls go through the ToolHost port. Implemented by `@first-mate/driver-mcp` and the fake world.
 */
import type { ChannelMeta } from "../commands.js";
import type { PaneId } from "../domain/paneId.js";
import type { Unsubscribe } from "./tmuxPort.js";

/** A session attached (and whether it verified as the first mate) or detached. */
export type ChannelEvent =
  | { readonly type: "attached"; readonly paneId: PaneId; readonly firstMate: boolean }
  | { readonly type: "detached"; readonly paneId: PaneId };

/**
 * The channel port: push content to a pane's agent session, and hear sessions attach and detach. Implemented by
 * driver-mcp's channel server.
 */
export interface ChannelPort {
  /**
   * Push `content` to the pane's session. Resolves true once written to an
   * attached session, false otherwise (absent, detached, write failed).
   * Never rejects.
   */
  emit(paneId: PaneId, content: string, meta: ChannelMeta): Promise<boolean>;
  subscribe(listener: (event: ChannelEvent) => void): Unsubscribe;
}
