/**
 * Runs one tmux client command against the driver's server and classifies
 * the outcome.
 *
 * Guarantees: never throws; a missing binary is `TmuxNotFound`, "no server
 * running" / "error connecting" is reported as `noServer` so callers can
 * treat it as an empty fleet; every argument reaches tmux verbatim (trailing
 * `;` protected). Always passes `-u` so tmux prints UTF-8 as is instead of
 * replacing it with `_`.
 * Does not: retry, or interpret what tmux printed.
 */
import type { TmuxError } from "@first-mate/core";
import { execa } from "execa";
import * as E from "fp-ts/lib/Either.js";
import { protectTrailingSemicolon } from "./tmuxArgument.js";
import { tmuxCommandFailed, tmuxNotFound } from "./tmuxErrors.js";

/** Where the tmux server lives and how to reach it. */
export interface TmuxServerAddress {
  /** `-L`: a socket name in tmux's socket directory. */
  readonly socketName?: string;
  /** `-S`: a full socket path (wins over socketName). */
  readonly socketPath?: string;
  /** Defaults to "tmux" on PATH. */
  readonly tmuxBinary?: string;
  /** `-f`: the config file read if this driver starts the server. */
  readonly configFile?: string;
}

/** What a successful command printed. */
export interface TmuxOutput {
  readonly stdout: Buffer;
}

/** A failure, or the fact that no server is running on the socket. */
export type TmuxRunFailure =
  | { readonly kind: "noServer"; readonly stderr: string }
  | { readonly kind: "error"; readonly error: TmuxError };

const NO_SERVER = /no server running|error connecting to|server exited unexpectedly|lost server/i;

/** The global arguments that select the server: `-u [-f file] (-S path | -L name)`. */
export const serverArguments = (address: TmuxServerAddress): string[] => {
  const args = ["-u"];
  if (address.configFile !== undefined) args.push("-f", address.configFile);
  if (address.socketPath !== undefined) args.push("-S", address.socketPath);
  else if (address.socketName !== undefined) args.push("-L", address.socketName);
  return args;
};

/** Runs `tmux <server args> <args>`; resolves, never rejects. */
export const runTmux = async (
  address: TmuxServerAddress,
  args: readonly string[],
): Promise<E.Either<TmuxRunFailure, TmuxOutput>> => {
  const binary = address.tmuxBinary ?? "tmux";
  const result = await execa(binary, [...serverArguments(address), ...args.map(protectTrailingSemicolon)], {
    reject: false,
    stdin: "ignore",
    encoding: "buffer",
    // The listing's last row ends in a newline the parser relies on.
    stripFinalNewline: false,
    // A client started inside tmux must not think it is nested in the caller's server.
    env: { TMUX: undefined },
    // A one-shot client ends by itself; execa's exit cleanup would install signal
    // handlers that re-raise a SIGINT or SIGTERM the host means to handle.
    cleanup: false,
  });
  const stderr = Buffer.from(result.stderr ?? new Uint8Array()).toString("utf8");
  if (result.failed) {
    const cause = result.cause as { code?: unknown } | undefined;
    if (cause?.code === "ENOENT" || (result.exitCode === undefined && /ENOENT/.test(result.message ?? ""))) {
      return E.left({ kind: "error", error: tmuxNotFound(binary) });
    }
    if (NO_SERVER.test(stderr)) return E.left({ kind: "noServer", stderr });
    return E.left({
      kind: "error",
      error: tmuxCommandFailed(args, result.exitCode ?? null, stderr || (result.message ?? "")),
    });
  }
  return E.right({ stdout: Buffer.from(result.stdout ?? new Uint8Array()) });
};

/** Like `runTmux`, with "no server" folded into `TmuxCommandFailed`. */
export const runTmuxStrict = async (
  address: TmuxServerAddress,
  args: readonly string[],
): Promise<E.Either<TmuxError, TmuxOutput>> => {
  const outcome = await runTmux(address, args);
  if (E.isRight(outcome)) return outcome;
  const failure = outcome.left;
  return E.left(failure.kind === "error" ? failure.error : tmuxCommandFailed(args, 1, failure.stderr));
};
