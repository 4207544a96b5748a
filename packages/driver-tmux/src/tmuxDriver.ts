/**
 * The core's `TmuxPort` over a real tmux server (3.3a and later).
 *
 * Guarantees:
 * - Every operation resolves to an `Either`; nothing throws across the port.
 * - Every tmux command travels over the driver's one control-mode
 *   connection (a spawned client only while it is down; see
 *   `tmuxTransport.ts`): no process is started per call in steady state.
 * - `listPanes` observes the whole fleet with one `list-panes -a` call; no
 *   server running is an empty fleet; the hidden control session is left out.
 *   Each live pane carries the argv of its process tree, from one read of
 *   the process table per call (processTable.ts), for agent detection.
 *   With `/proc`, that call leaves out each pane's current and start command
 *   (tmux's costliest fields); a second call reads them for the panes whose
 *   pid, processes or foreground job changed (paneCommands.ts), so the
 *   listing reads as if every field had been asked for.
 * - `spawn` runs the agent as the pane's own process (`/bin/sh -c 'exec …'`,
 *   whatever the server's default-shell is); names, titles and the start
 *   directory are stored literally (no format expansion, no `#(…)`).
 * - A spawn's environment reaches only that pane's process: it is passed to
 *   `new-window -e` / `respawn-pane -e`, never to `new-session -e`, which
 *   would keep it in the session's environment (printed by
 *   `show-environment`, inherited by every later window).
 * - A create, kill or typed text whose connection was lost before tmux
 *   answered is never sent again: kill and typing report
 *   `TmuxOutcomeUnknown`; a spawn looks for its own pane (tagged with a
 *   one-time value in its start command) and reports what it finds.
 * Does not: decide anything about the fleet (that is the core's job).
 */

import { randomBytes } from "node:crypto";
import {
  AgentKindSchema,
  isPaneId,
  type PaneObservation,
  type SpawnedWindow,
  type SpawnRequest,
  sameTmuxServer,
  type TmuxError,
  type TmuxEvent,
  type TmuxPort,
  type TmuxServerIdentity,
  type Unsubscribe,
} from "@first-mate/core";
import * as E from "fp-ts/lib/Either.js";
import { ControlModeWatcher } from "./controlModeWatcher.js";
import { createPaneCommandCache } from "./paneCommands.js";
import {
  AGENT_PANE_OPTION,
  createPaneListingParser,
  PANE_LIST_FORMAT,
  PANE_TICK_FORMAT,
  parsePaneListing,
} from "./paneListing.js";
import { createProcessTreeAttacher } from "./processDriver.js";
import { createProcessTableReader, type ProcessTableReader } from "./processTable.js";
import { execCommandLine } from "./shellCommand.js";
import { CONTROL_CHARACTER, escapeFormat } from "./tmuxArgument.js";
import type { TmuxOutput, TmuxServerAddress } from "./tmuxCommandRunner.js";
import { tmuxCommandFailed, tmuxInvalidArgument } from "./tmuxErrors.js";
import {
  type CommandEffect,
  createTmuxTransport,
  DEFAULT_COMMAND_TIMEOUT_MS,
  type TransportFailure,
  type TransportStats,
} from "./tmuxTransport.js";

/** A tmux key name (`Enter`, `Down`, `C-c`, `1`, `y`): no spaces, no control characters. */
const TMUX_KEY_NAME = /^[A-Za-z0-9][A-Za-z0-9-]{0,15}$/;

/** The hidden session the control-mode client attaches to. */
export const DEFAULT_CONTROL_SESSION = "_first_mate_ctl";
/** Agents drop an Enter that arrives together with the text; this gap keeps them apart. */
export const DEFAULT_ENTER_DELAY_MS = 150;
/** `capture` returns at most this many lines. */
export const MAX_CAPTURE_LINES = 200;

/** Which tmux server to drive (socket name or path, binary), and the driver's timings and hidden control session. */
export interface TmuxDriverOptions extends TmuxServerAddress {
  /** Pause between the typed text and its Enter, in ms (default 150). */
  readonly enterDelayMs?: number;
  /** Name of the hidden control session (default `_first_mate_ctl`); never part of the fleet. */
  readonly controlSessionName?: string;
  /**
   * Where pane process trees come from (default: `/proc` on Linux, else `ps`);
   * `"off"` lists panes without them (detection then reads commands only).
   */
  readonly processTable?: ProcessTableReader | "off";
  /**
   * How long one command may wait for tmux's answer over the connection, in ms (default 10 s); a
   * connection's first command, which also waits for its client to start, gets at least 10 s.
   */
  readonly commandTimeoutMs?: number;
}

/** The tmux port plus what an embedder or a test needs around it. */
export interface TmuxDriver extends TmuxPort {
  /** Stops the control-mode client (if any) and waits for it to exit. */
  close(): Promise<void>;
  /**
   * Escape hatch: runs any tmux command on this driver's server and returns
   * what it printed. Treated as a write: never resent after a lost connection.
   */
  command(args: readonly string[]): Promise<E.Either<TmuxError, string>>;
  /** Runs a command that only reads, over the connection (retried once after a lost connection). */
  read(args: readonly string[]): Promise<E.Either<TmuxError, Buffer>>;
  /** Counters of the transport: processes started, commands over the connection, connections. */
  transportStats(): TransportStats;
}

/** Reads of a full listing whose rows changed while tmux printed them (see fullListing) before its error is returned. */
const FULL_LISTING_READS = 3;

/** What a create call prints: the pane and window, the pane's pid, and the server's pid and start time. */
const SPAWN_FORMAT = "#{pane_id} #{window_id} #{pane_pid} #{pid} #{start_time}";

const positiveInt = (text: string | undefined): number | null =>
  text !== undefined && /^\d{1,10}$/.test(text) && Number(text) > 0 ? Number(text) : null;

/** Pure: a line printed with SPAWN_FORMAT; the pid and server are null where tmux printed none. */
const parseSpawned = (
  line: string,
): SpawnedWindow & { panePid: number | null; tmuxServer: TmuxServerIdentity | null } => {
  const [paneId = "", windowId, panePid, serverPid, startTime] = line.trim().split(" ");
  const pid = positiveInt(serverPid);
  const started = positiveInt(startTime);
  return {
    paneId,
    windowId: windowId || null,
    panePid: positiveInt(panePid),
    tmuxServer: pid === null || started === null ? null : { pid, startedAt: started * 1000 },
  };
};

/** Past this many panes to read again, the driver lists every pane in full. */
const DETAIL_FILTER_MAX = 32;
const NO_ROWS: ReadonlyMap<string, PaneObservation> = new Map();
const rowsById = (panes: readonly PaneObservation[]): ReadonlyMap<string, PaneObservation> =>
  new Map(panes.map((pane) => [pane.paneId, pane]));
const ENVIRONMENT_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Why tmux would not keep `session` verbatim as a session name, or null when it would. */
const sessionNameProblem = (session: string): string | null => {
  if (session === "") return "a session name must not be empty";
  if (/[:.]/.test(session)) return `session name ${JSON.stringify(session)}: tmux turns ":" and "." into "_"`;
  if (session.includes("\\") || CONTROL_CHARACTER.test(session))
    return `session name ${JSON.stringify(session)}: tmux escapes backslashes and control characters`;
  return null;
};

const spawnRequestProblem = (request: SpawnRequest): string | null => {
  if (request.argv.length === 0) return "argv must name a program";
  const strings = [request.session, request.window, ...request.argv, request.cwd ?? ""];
  for (const [name, value] of Object.entries(request.env ?? {})) {
    if (!ENVIRONMENT_NAME.test(name)) return `environment variable name ${JSON.stringify(name)} is not valid`;
    strings.push(value);
  }
  if (strings.some((value) => value.includes("\u0000"))) return "spawn arguments must not contain NUL";
  if (request.agentKind !== undefined && !AgentKindSchema.safeParse(request.agentKind).success)
    return `agent kind ${JSON.stringify(request.agentKind)} is not a valid kind`;
  return sessionNameProblem(request.session);
};

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A transport failure as the port's error; "no server" is a failed command to callers that do not expect it. */
const asTmuxError = (args: readonly string[], failure: TransportFailure): TmuxError => {
  switch (failure.kind) {
    case "error":
      return failure.error;
    case "noServer":
      return tmuxCommandFailed(args, 1, failure.stderr);
    case "unknown":
      return { _tag: "TmuxOutcomeUnknown", message: failure.reason };
  }
};

/** Creates a driver for one tmux server. Starts nothing until used. */
export const createTmuxDriver = (options: TmuxDriverOptions = {}): TmuxDriver => {
  const address: TmuxServerAddress = options;
  const enterDelayMs = options.enterDelayMs ?? DEFAULT_ENTER_DELAY_MS;
  const controlSessionName = options.controlSessionName ?? DEFAULT_CONTROL_SESSION;
  const hiddenSessions = new Set([controlSessionName]);
  const ownTable = options.processTable === undefined;
  const processTable = options.processTable === "off" ? null : (options.processTable ?? createProcessTableReader());
  // An unchanged pane costs no parsing and no new objects, tick after tick.
  const listingParser = createPaneListingParser(hiddenSessions);
  const tickParser = createPaneListingParser(hiddenSessions, "tick");
  const commandCache = createPaneCommandCache();
  const attachProcessTrees = createProcessTreeAttacher();
  const transport = createTmuxTransport(address, {
    controlSessionName,
    commandTimeoutMs: options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
  });
  const watcher = new ControlModeWatcher(transport, controlSessionName);

  const strict = async (args: readonly string[], effect: CommandEffect): Promise<E.Either<TmuxError, TmuxOutput>> =>
    E.mapLeft((failure: TransportFailure) => asTmuxError(args, failure))(await transport.run(args, effect));

  const unit = async (args: readonly string[]): Promise<E.Either<TmuxError, void>> =>
    E.map(() => undefined)(await strict(args, "write"));

  /** A failed listing: no server (or one emptying) is an empty fleet; anything else is the error. */
  const listingFailure = (failure: TransportFailure): E.Either<TmuxError, readonly PaneObservation[]> => {
    // A server whose last session just closed answers "no current target" while it exits: an empty fleet.
    const emptying =
      failure.kind === "error" &&
      failure.error._tag === "TmuxCommandFailed" &&
      /no current target/i.test(failure.error.stderr);
    if (failure.kind === "noServer" || emptying) return E.right([]);
    return E.left(asTmuxError(["list-panes"], failure));
  };

  /** Every pane with every field (PANE_LIST_FORMAT). */
  /**
   * Runs a listing in the full format. tmux evaluates a row's current command twice (its length, then
   * itself), reading /proc each time: a pane whose program changes in between prints a row whose length
   * does not match, and the listing reads as invalid. Such a listing is read again, at most FULL_LISTING_READS times.
   */
  const fullListing = async (
    args: readonly string[],
    parse: (stdout: Buffer) => E.Either<TmuxError, readonly PaneObservation[]>,
  ): Promise<E.Either<TmuxError, readonly PaneObservation[]>> => {
    for (let read = 1; ; read++) {
      const outcome = await transport.run(args, "read");
      if (E.isLeft(outcome)) return listingFailure(outcome.left);
      const parsed = parse(outcome.right.stdout);
      if (E.isRight(parsed) || parsed.left._tag !== "TmuxOutputInvalid" || read >= FULL_LISTING_READS) return parsed;
    }
  };

  const listFull = (): Promise<E.Either<TmuxError, readonly PaneObservation[]>> =>
    fullListing(["list-panes", "-a", "-F", PANE_LIST_FORMAT], (stdout) => listingParser.parse(stdout));

  /**
   * The full rows of the panes `paneIds` only: tmux formats just the panes
   * the filter lets through. Pane ids are `%` and digits (the parser checks
   * them), so the pattern holds nothing else.
   */
  const listDetails = async (paneIds: readonly string[]): Promise<E.Either<TmuxError, readonly PaneObservation[]>> => {
    const filter = `#{m/r:^(${paneIds.join("|")})$,#{pane_id}}`;
    return fullListing(["list-panes", "-a", "-f", filter, "-F", PANE_LIST_FORMAT], (stdout) =>
      parsePaneListing(stdout, hiddenSessions),
    );
  };

  const listPanes = async (): Promise<E.Either<TmuxError, readonly PaneObservation[]>> => {
    if (processTable === null) return listFull();
    // The cheap format while the process table can tell which panes changed (see paneCommands.ts).
    const listing = transport.run(["list-panes", "-a", "-F", PANE_TICK_FORMAT], "read");
    // The process table is read while tmux prepares the listing: the two overlap instead of adding up.
    const table = await processTable.snapshot();
    const outcome = await listing;
    if (E.isLeft(outcome)) return listingFailure(outcome.left);
    // Without the process table, detection still reads each pane's command and start command.
    if (E.isLeft(table)) return listFull();
    if (table.right.foregroundGroupOf === undefined) {
      // A source that cannot tell a changed foreground (ps): every field, every tick.
      const full = await listFull();
      return E.isLeft(full) ? full : E.right(attachProcessTrees(full.right, table.right));
    }
    const ticked = tickParser.parse(outcome.right.stdout);
    if (E.isLeft(ticked)) return ticked;
    const stale = commandCache.stale(ticked.right, table.right);
    let panes: readonly PaneObservation[] = ticked.right;
    let fresh: ReadonlyMap<string, PaneObservation> = NO_ROWS;
    if (stale.length > 0) {
      // Past a few panes, one full listing costs tmux less than a filter naming them all.
      const many = stale.length > DETAIL_FILTER_MAX;
      const details = many ? await listFull() : await listDetails(stale);
      if (E.isLeft(details)) return details;
      fresh = rowsById(details.right);
      let read = details.right;
      // A stale pane the second read no longer shows went away since the first: the full listing is the answer.
      if (many || stale.some((paneId) => !fresh.has(paneId))) {
        const full = many ? details : await listFull();
        if (E.isLeft(full)) return full;
        read = panes = full.right;
        fresh = rowsById(full.right);
      }
      commandCache.remember(read, table.right);
    }
    return E.right(attachProcessTrees(commandCache.fill(panes, fresh), table.right));
  };

  const spawn = async (request: SpawnRequest): Promise<E.Either<TmuxError, SpawnedWindow>> => {
    const problem = spawnRequestProblem(request);
    if (problem !== null) return E.left(tmuxInvalidArgument(problem));
    const windowOptions = ["-d", "-P", "-F", SPAWN_FORMAT, "-n", escapeFormat(request.window)];
    if (request.cwd !== undefined) windowOptions.push("-c", escapeFormat(request.cwd));
    for (const [name, value] of Object.entries(request.env ?? {})) windowOptions.push("-e", `${name}=${value}`);
    // More than one word after "--" makes tmux exec /bin/sh itself rather than its default-shell.
    // The last word is the shell's $0: a one-time tag that finds this pane if tmux's answer is lost.
    const tag = `first-mate-spawn-${randomBytes(12).toString("hex")}`;
    const command = ["--", "/bin/sh", "-c", execCommandLine(request.argv), tag];
    const create = async (args: readonly string[]) => {
      const created = await transport.run(args, "write");
      return E.isLeft(created) && created.left.kind === "unknown" ? findTagged(tag, created.left.reason) : created;
    };
    const newWindow = () => create(["new-window", "-t", `=${request.session}:`, ...windowOptions, ...command]);
    const hasEnvironment = Object.keys(request.env ?? {}).length > 0;
    // A new session is created bare when there is an environment: its pane
    // waits, then is respawned with the environment given to that process only.
    const bareOptions = windowOptions.filter((_, index, all) => all[index] !== "-e" && all[index - 1] !== "-e");
    const newSession = async () => {
      if (!hasEnvironment) {
        return create(["new-session", "-s", escapeFormat(request.session), ...windowOptions, ...command]);
      }
      const created = await create([
        "new-session",
        "-s",
        escapeFormat(request.session),
        ...bareOptions,
        "--",
        "/bin/sh",
        "-c",
        "exec sleep 2147483647",
        tag,
      ]);
      if (E.isLeft(created)) return created;
      const [createdPane = ""] = created.right.stdout.toString("utf8").trim().split(" ");
      const respawnOptions = ["-k", "-t", createdPane];
      if (request.cwd !== undefined) respawnOptions.push("-c", escapeFormat(request.cwd));
      for (const [name, value] of Object.entries(request.env ?? {})) respawnOptions.push("-e", `${name}=${value}`);
      // A respawn whose answer is lost stays unknown: the tagged pane exists either way.
      const respawned = await transport.run(["respawn-pane", ...respawnOptions, ...command], "write");
      if (E.isLeft(respawned)) return respawned;
      // respawn-pane prints nothing: the agent's pid (a new process) is read from the pane now.
      const reread = await transport.run(["display-message", "-p", "-t", createdPane, SPAWN_FORMAT], "read");
      return E.right({ stdout: Buffer.from(respawnedLine(created.right.stdout, reread)), stderr: Buffer.alloc(0) });
    };
    /**
     * The created pane as printed by the create call, with the pid read after
     * the respawn; the pid is unknown when that read failed or came from
     * another server (one started in between: the pane is not ours).
     */
    const respawnedLine = (created: Buffer, reread: E.Either<TransportFailure, TmuxOutput>): string => {
      const first = parseSpawned(created.toString("utf8"));
      const after = E.isRight(reread) ? parseSpawned(reread.right.stdout.toString("utf8")) : null;
      const sameServer =
        after !== null &&
        after.paneId === first.paneId &&
        first.tmuxServer !== null &&
        after.tmuxServer !== null &&
        sameTmuxServer(first.tmuxServer, after.tmuxServer);
      const pid = sameServer ? after.panePid : null;
      const server = first.tmuxServer === null ? ["", ""] : [first.tmuxServer.pid, first.tmuxServer.startedAt / 1000];
      return [first.paneId, first.windowId ?? "", pid ?? "", ...server].join(" ");
    };

    let outcome = await newWindow();
    const sessionMissing =
      E.isLeft(outcome) &&
      (outcome.left.kind === "noServer" ||
        (outcome.left.kind === "error" &&
          outcome.left.error._tag === "TmuxCommandFailed" &&
          /can't find session/i.test(outcome.left.error.stderr)));
    if (sessionMissing) {
      outcome = await newSession();
      // Someone created the session between the two calls: use it.
      if (
        E.isLeft(outcome) &&
        outcome.left.kind === "error" &&
        outcome.left.error._tag === "TmuxCommandFailed" &&
        /duplicate session/i.test(outcome.left.error.stderr)
      )
        outcome = await newWindow();
    }
    if (E.isLeft(outcome)) {
      const failure = outcome.left;
      return E.left(
        failure.kind === "noServer"
          ? {
              _tag: "TmuxCommandFailed",
              message: "tmux server went away during spawn",
              exitCode: 1,
              stderr: failure.stderr,
            }
          : asTmuxError(["new-window"], failure),
      );
    }
    // Only the first line: a lost answer found by its tag prints one line per pane carrying it.
    const spawned = parseSpawned(outcome.right.stdout.toString("utf8").split("\n")[0] ?? "");
    const { paneId, windowId } = spawned;
    watcher.notePane(windowId, paneId);
    // Best effort: without the option the pane is still detected from its processes.
    if (request.agentKind !== undefined && isPaneId(paneId))
      // Setting the same value again changes nothing: safe to retry like a read.
      await transport.run(["set-option", "-p", "-t", paneId, AGENT_PANE_OPTION, request.agentKind], "read");
    return E.right(spawned);
  };

  /**
   * After a lost answer to a create: the pane whose start command carries
   * `tag`, printed like `-P -F SPAWN_FORMAT`; a clean "not created" when none
   * exists; still unknown when tmux cannot be asked.
   */
  const findTagged = async (tag: string, reason: string): Promise<E.Either<TransportFailure, TmuxOutput>> => {
    const found = await transport.run(
      ["list-panes", "-a", "-f", `#{m:*${tag}*,#{pane_start_command}}`, "-F", SPAWN_FORMAT],
      "read",
    );
    if (E.isLeft(found)) return E.left({ kind: "unknown", reason });
    if (found.right.stdout.length > 0) return found;
    return E.left({
      kind: "error",
      error: tmuxCommandFailed(["new-window"], null, `tmux did not create the window (its answer was lost: ${reason})`),
    });
  };

  /**
   * Kills go to tmux one at a time, each after the previous one's answer:
   * tmux 3.3a was seen to exit (every session with it) when a kill that
   * ends a session had more kills queued behind it on the control-mode
   * connection.
   */
  let killQueue: Promise<unknown> = Promise.resolve();
  const oneKillAtATime = (args: readonly string[]): Promise<E.Either<TmuxError, void>> => {
    const run = killQueue.then(() => unit(args));
    killQueue = run.catch(() => undefined);
    return run;
  };

  const kill = async (paneId: string): Promise<E.Either<TmuxError, void>> =>
    isPaneId(paneId)
      ? oneKillAtATime(["kill-pane", "-t", paneId])
      : E.left(tmuxInvalidArgument(`not a pane id: ${paneId}`));

  const killWindow = async (target: string): Promise<E.Either<TmuxError, void>> =>
    target === ""
      ? E.left(tmuxInvalidArgument("a window target must not be empty"))
      : oneKillAtATime(["kill-window", "-t", target]);

  const capture = async (paneId: string, lines: number): Promise<E.Either<TmuxError, string>> => {
    if (!isPaneId(paneId)) return E.left(tmuxInvalidArgument(`not a pane id: ${paneId}`));
    if (!Number.isFinite(lines)) return E.left(tmuxInvalidArgument(`line count must be a number, got ${lines}`));
    const count = Math.min(MAX_CAPTURE_LINES, Math.max(1, Math.floor(lines)));
    const outcome = await strict(["capture-pane", "-p", "-J", "-t", paneId, "-S", `-${count}`], "read");
    return E.map(({ stdout }: { stdout: Buffer }) => {
      const screen = stdout.toString("utf8").split("\n");
      while (screen.length > 0 && /^\s*$/.test(screen[screen.length - 1] ?? "")) screen.pop();
      return screen.slice(-count).join("\n");
    })(outcome);
  };

  const sendText = async (paneId: string, text: string): Promise<E.Either<TmuxError, void>> => {
    if (!isPaneId(paneId)) return E.left(tmuxInvalidArgument(`not a pane id: ${paneId}`));
    if (CONTROL_CHARACTER.test(text))
      return E.left(tmuxInvalidArgument("text must not contain control characters (Enter is sent by the driver)"));
    if (text !== "") {
      const typed = await unit(["send-keys", "-t", paneId, "-l", "--", text]);
      if (E.isLeft(typed)) return typed;
      await sleep(enterDelayMs);
    }
    return unit(["send-keys", "-t", paneId, "Enter"]);
  };

  const sendKeys = async (paneId: string, keys: readonly string[]): Promise<E.Either<TmuxError, void>> => {
    if (!isPaneId(paneId)) return E.left(tmuxInvalidArgument(`not a pane id: ${paneId}`));
    if (keys.length === 0 || keys.some((key) => !TMUX_KEY_NAME.test(key)))
      return E.left(tmuxInvalidArgument(`keys must be tmux key names such as Enter, Down or 1: ${keys.join(" ")}`));
    return unit(["send-keys", "-t", paneId, ...keys]);
  };

  const subscribe = (listener: (event: TmuxEvent) => void): Unsubscribe => {
    // Wrap so the same function subscribed twice unsubscribes independently.
    const own = (event: TmuxEvent) => listener(event);
    watcher.add(own);
    return () => watcher.remove(own);
  };

  const command = async (args: readonly string[]): Promise<E.Either<TmuxError, string>> =>
    E.map(({ stdout }: { stdout: Buffer }) => stdout.toString("utf8"))(await strict(args, "write"));

  const read = async (args: readonly string[]): Promise<E.Either<TmuxError, Buffer>> =>
    E.map(({ stdout }: { stdout: Buffer }) => stdout)(await strict(args, "read"));

  return {
    listPanes,
    spawn,
    kill,
    killWindow,
    capture,
    sendText,
    sendKeys,
    subscribe,
    close: async () => {
      watcher.stopListening();
      await transport.close();
      // A reader the embedder passed in is the embedder's to close.
      if (ownTable) processTable?.close?.();
    },
    command,
    read,
    transportStats: () => transport.stats(),
  };
};
