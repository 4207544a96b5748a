/**
 * The launcher port: how the first mate is started. The host (CLI or
 * embedder) implements it: it creates the spawn token, writes the layered
 * prompt, and builds the agent command. The core sees only the token's hash.
 */
import type { SpawnRequest } from "../ports/tmuxPort.js";

/** Something about a launch the human must hear of (e.g. the IDENTITY over its hard cap). */
export interface LaunchAlert {
  readonly code: string;
  readonly message: string;
}

/** A launch ready to spawn: the spawn request, and the hash of the spawn token it carries. */
export interface PreparedLaunch {
  readonly request: SpawnRequest;
  /** sha-256 hex of the spawn token placed in `request.env`. */
  readonly tokenHash: string;
  /** Raised to the human (and logged) by the core when the spawn settles. */
  readonly alerts?: readonly LaunchAlert[];
}

/**
 * Prepares each first-mate start (token, prompt, argv); the host's is `createFirstMateLauncher` in `@first-
 * mate/cli`.
 */
export interface FirstMateLauncher {
  prepare(input: {
    readonly attempt: number;
    readonly session: string;
    readonly window: string;
  }): Promise<PreparedLaunch>;
}
