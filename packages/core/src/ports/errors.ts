/**
 * Errors as values at the port boundaries: tagged unions, never thrown
 * across a port. Each carries a message a person can act on.
 */

export type TmuxError =
  | { readonly _tag: "TmuxNotFound"; readonly message: string }
  | {
      readonly _tag: "TmuxCommandFailed";
      readonly message: string;
      readonly exitCode: number | null;
      readonly stderr: string;
    }
  | { readonly _tag: "TmuxOutputInvalid"; readonly message: string; readonly line: string }
  | { readonly _tag: "TmuxInvalidArgument"; readonly message: string }
  /**
   * A command that changes tmux (create, kill, type) was sent, and the
   * connection to tmux was lost before the answer: it may or may not have
   * run. Never resent blindly; the next observation of the fleet shows what
   * happened.
   */
  | { readonly _tag: "TmuxOutcomeUnknown"; readonly message: string };

/**
 * A store failure, tagged: unavailable (locked, unreachable, full), a corrupt row, invalid input, a schema from a
 * newer version, or a stale lease epoch.
 */
export type StoreError =
  | { readonly _tag: "StoreUnavailable"; readonly message: string }
  | { readonly _tag: "StoreCorruptRow"; readonly message: string; readonly table: string }
  | { readonly _tag: "StoreConstraint"; readonly message: string }
  | { readonly _tag: "StoreInvalidInput"; readonly message: string }
  | { readonly _tag: "StoreSchemaTooNew"; readonly message: string; readonly found: number; readonly known: number }
  /** A holder-only write carried a lease epoch that is not the current one: the writer lost the lease. */
  | { readonly _tag: "StoreStaleEpoch"; readonly message: string; readonly epoch: number; readonly current: number };

/** A channel failure: meta keys Claude Code would drop, or a closed session. */
export type ChannelError =
  | { readonly _tag: "ChannelInvalidMeta"; readonly message: string }
  | { readonly _tag: "ChannelClosed"; readonly message: string };

/** Errors a tool handler returns; driver-mcp turns them into `isError` results. */
export type ToolError =
  | { readonly _tag: "ToolForbidden"; readonly message: string }
  | { readonly _tag: "ToolRefused"; readonly message: string }
  | { readonly _tag: "ToolInvalidInput"; readonly message: string }
  | { readonly _tag: "ToolFailed"; readonly message: string }
  /** The call's effect did not answer within the tool-call timeout; its outcome is unknown (a late one is logged). */
  | { readonly _tag: "ToolTimedOut"; readonly message: string };

/** Any port's error. */
export type PortError = TmuxError | StoreError | ChannelError | ToolError;

/** A one-line description of any port error. */
export const describeError = (error: PortError): string => `${error._tag}: ${error.message}`;
