/**
 * startHost: first-mate as a running process — the SQLite store, the tmux
 * driver, the channel server and the core runtime, wired together.
 *
 * Guarantees: on a failure part-way through, everything already opened is
 * closed again; `stop()` stops the runtime first (no new commands), then
 * the channel server, the tmux control client and the database, and is
 * idempotent.
 * The embedder token is fresh per start, written 0600 to
 * `<stateDir>/embedder.token` once the socket listens, and removed on stop.
 */

import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { describeError, type ToolHost } from "@first-mate/core";
import {
  createEmbedderHost,
  createRuntime,
  type Runtime,
  type RuntimeReport,
  systemClock,
} from "@first-mate/core/runtime";
import { type ChannelServer, createChannelServer, resolveSocketPath } from "@first-mate/driver-mcp";
import {
  createProcessDriver,
  createProcessTableReader,
  createTmuxDriver,
  type TmuxDriver,
} from "@first-mate/driver-tmux";
import * as E from "fp-ts/lib/Either.js";
import { watchConnRequests } from "./connRequests.js";
import {
  createEmbedderToken,
  embedderTokenPath,
  removeEmbedderTokenFile,
  writeEmbedderTokenFile,
} from "./embedderTokenFile.js";
import { createStoredClaimStore } from "./firstMateClaimStore.js";
import { createFirstMateLauncher } from "./firstMateLauncher.js";
import type { HostConfig } from "./hostConfig.js";
import { type HostStore, openHostStore, storeChoiceOf } from "./hostStore.js";
import { identityBackupDir, identityPath } from "./identityFile.js";
import { watchIdentity } from "./identityWatcher.js";
import { createLateEmbedderHost } from "./lateEmbedderHost.js";
import { createLayeredPrompt } from "./layeredPromptSource.js";
import { createObservedTmux } from "./observedTmux.js";
import { startRetention } from "./retentionTimer.js";
import { tmuxSocketPathOf } from "./tmuxSocketPath.js";

/**
 * A running first-mate host: the runtime, the store, the tmux driver, the channel server, the socket and embedder
 * token paths, the lease owner id, and `stop()`.
 */
export interface Host {
  readonly runtime: Runtime;
  readonly store: HostStore;
  readonly tmux: TmuxDriver;
  readonly channelServer: ChannelServer;
  readonly socketPath: string;
  /** The file (mode 0600) holding this run's embedder token; see examples/embed. */
  readonly embedderTokenPath: string;
  readonly owner: string;
  stop(): Promise<void>;
}

/**
 * The host could not start; the message says which part failed and why. Everything opened before the failure was
 * closed again.
 */
export interface HostError {
  readonly _tag: "HostStartFailed";
  readonly message: string;
}

/** What `startHost` needs: the parsed configuration, and optionally the first mate's prompt and a report listener. */
export interface StartHostOptions {
  readonly config: HostConfig;
  /** The first mate's starting prompt. */
  readonly prompt?: () => Promise<string> | string;
  /**
   * Receives every runtime report from before the first event on. Subscribing
   * after `startHost` resolves misses the first lease, observation and spawn.
   */
  readonly onReport?: (report: RuntimeReport) => void;
}

/**
 * A standby host's wait for the channel socket: tries to listen every
 * `intervalMs` until the host serving it is gone (its socket file stale or
 * removed), then writes the embedder token file. Returns a stop function.
 */
const takeOverSocketWhenFree = (
  channelServer: ChannelServer,
  onListening: () => Promise<unknown>,
  intervalMs = 250,
): (() => void) => {
  let busy = false;
  let done = false;
  const timer = setInterval(() => {
    if (busy || done) return;
    busy = true;
    void channelServer
      .listen()
      .then(async (listened) => {
        if (E.isRight(listened) && !done) {
          done = true;
          clearInterval(timer);
          await onListening();
        }
      })
      .catch(() => undefined)
      .finally(() => {
        busy = false;
      });
  }, intervalMs);
  timer.unref();
  return () => {
    done = true;
    clearInterval(timer);
  };
};

/** A unique lease owner for this process. */
export const hostOwnerId = (): string => `${hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`;

/**
 * Start a host: open the store, connect to tmux, listen on the channel socket, write the embedder token and start
 * the runtime.
 * @param options - the configuration (see `parseHostConfig`), and optionally the prompt and `onReport`
 * @returns the running host, or a `HostError` (nothing is left running)
 */
export const startHost = async (options: StartHostOptions): Promise<E.Either<HostError, Host>> => {
  const { config } = options;
  const fail = (message: string): E.Either<HostError, Host> => E.left({ _tag: "HostStartFailed", message });

  const choice = storeChoiceOf(config);
  const opened = await openHostStore(choice);
  if (E.isLeft(opened)) return fail(`store: ${describeError(opened.left)}`);
  const store = opened.right;

  // One process table serves detection (each tick's listing) and ending panes (terminate, strays).
  const processTable = createProcessTableReader();
  const processes = createProcessDriver(processTable);
  const tmux = createTmuxDriver({
    processTable,
    ...(config.tmux.socketName ? { socketName: config.tmux.socketName } : {}),
    ...(config.tmux.socketPath ? { socketPath: config.tmux.socketPath } : {}),
    ...(config.tmux.binary ? { tmuxBinary: config.tmux.binary } : {}),
  });

  const socketPath = config.socketPath ?? resolveSocketPath(process.env);
  // The channel server needs the runtime's tool host and the runtime needs
  // the server's channel port: the server gets a forwarder, bound below.
  let toolHost: ToolHost | null = null;
  const host = (): ToolHost => {
    if (toolHost === null) throw new Error("first-mate is starting");
    return toolHost;
  };
  const forwardingHost: ToolHost = {
    firstMateMarker: () => host().firstMateMarker(),
    notify: (from, input) => host().notify(from, input),
    report: (from, input) => host().report(from, input),
    fleetDigest: (from, input) => host().fleetDigest(from, input),
    inbox: (from, input) =>
      host().inbox?.(from, input) ??
      Promise.resolve(E.left({ _tag: "ToolRefused", message: "this host keeps no inbox" })),
    readLog: (from, input) => host().readLog(from, input),
    appendLog: (from, input) => host().appendLog(from, input),
    peek: (from, input) => host().peek(from, input),
    nudge: (from, input) => host().nudge(from, input),
    spawnWorker: (from, input) => host().spawnWorker!(from, input),
    assignTask: (from, input) => host().assignTask!(from, input),
    terminate: (from, input) => host().terminate!(from, input),
    proposeRoleChange: (from, input) => host().proposeRoleChange!(from, input),
    agentHook: (from, payload) =>
      host().agentHook?.(from, payload) ??
      Promise.resolve(E.left({ _tag: "ToolRefused", message: "this host takes no lifecycle hooks" })),
    identityConflict: (from, detail) => host().identityConflict?.(from, detail) ?? Promise.resolve(),
  };
  const embedderToken = createEmbedderToken();
  const observedTmux = createObservedTmux(tmux);
  const lateEmbedder = createLateEmbedderHost();
  const channelServer = createChannelServer({
    socketPath,
    host: forwardingHost,
    embedder: { host: lateEmbedder.host, tokenHash: embedderToken.hash },
    claims: createStoredClaimStore(store),
    tmuxSocketPath: tmuxSocketPathOf(config.tmux),
    observedTmux,
  });
  const listening = await channelServer.listen();
  // A standby (several hosts on one shared store, on one machine) starts while
  // another host serves the socket, and takes the socket over once it is free.
  const standby = E.isLeft(listening) && config.channelStandby && listening.left._tag === "ChannelSocketInUse";
  if (E.isLeft(listening) && !standby) {
    await tmux.close();
    await store.close();
    return fail(`channel server: ${listening.left.message}`);
  }
  const tokenPath = embedderTokenPath(config.stateDir);
  if (!standby) {
    const tokenWritten = await writeEmbedderTokenFile(tokenPath, embedderToken);
    if (E.isLeft(tokenWritten)) {
      await channelServer.close();
      await tmux.close();
      await store.close();
      return fail(`embedder token: ${tokenWritten.left.message}`);
    }
  }

  const owner = hostOwnerId();
  // A SQLite store is a file: conn requests written to it are noticed when it changes, not polled for.
  const storeFile = choice.kind === "sqlite" ? choice.path : undefined;
  const identity = identityPath(config.stateDir);
  const noteForTheHuman = (text: string) =>
    void store.appendLog({ kind: "narrative", text: text.slice(0, 2000), at: Date.now(), author: "kit" });
  const runtime = createRuntime({
    tmux,
    processes,
    channel: channelServer.channel,
    store,
    clock: systemClock,
    owner,
    config: config.core,
    workers: {
      ...(config.workers.argv ? { argv: config.workers.argv } : {}),
      cwd: config.cwd,
      env: { FIRST_MATE_SOCKET: socketPath, ...(config.workers.env ?? {}) },
    },
    launcher: createFirstMateLauncher({
      agent: config.agent,
      stateDir: config.stateDir,
      socketPath,
      cwd: config.cwd,
      prompt:
        options.prompt ??
        createLayeredPrompt({
          store,
          identityPath: identity,
          ...(config.corePrompt ? { core: config.corePrompt } : {}),
          ...(config.core.identityCapChars ? { identityCapChars: config.core.identityCapChars } : {}),
          onWarning: noteForTheHuman,
        }),
      identity: {
        path: identity,
        backupDir: identityBackupDir(config.stateDir),
        keep: config.identityBackups,
        ...(config.core.identityHardCapChars ? { hardCapChars: config.core.identityHardCapChars } : {}),
        onBackupFailed: noteForTheHuman,
      },
    }),
  });
  toolHost = runtime.toolHost;
  observedTmux.bind(() => runtime.state());
  lateEmbedder.bind(createEmbedderHost({ runtime, store }));
  if (options.onReport) runtime.subscribe(options.onReport);
  // A session whose pane id now names another process (or whose tmux server
  // is gone) is not that pane's any more: each listing closes it.
  runtime.subscribe((report) => {
    if (report.type !== "event" || report.event.type !== "FleetObserved") return;
    void channelServer.closeReplacedSessions(report.event.panes).then((closed) => {
      for (const pane of closed)
        noteForTheHuman(`closed the channel session of ${pane}: the pane now runs another process or tmux server`);
    });
  });

  const watchers: (() => void)[] = [];
  let stopped: Promise<void> | null = null;
  const stop = () => {
    stopped ??= (async () => {
      for (const unwatch of watchers.splice(0)) unwatch();
      await runtime.stop();
      await channelServer.close();
      await removeEmbedderTokenFile(tokenPath, embedderToken);
      await tmux.close();
      processTable.close?.();
      await store.close();
    })();
    return stopped;
  };
  try {
    await runtime.start();
    watchers.push(
      watchConnRequests(store, runtime, undefined, storeFile),
      watchIdentity(identity, runtime, () => Date.now()),
      startRetention({
        store,
        policy: config.retention,
        now: () => Date.now(),
        onPass: (pass) => {
          if (!pass.ok) noteForTheHuman(`store retention failed: ${pass.reason}`);
        },
      }),
    );
    if (standby)
      watchers.push(takeOverSocketWhenFree(channelServer, () => writeEmbedderTokenFile(tokenPath, embedderToken)));
  } catch (error) {
    await stop();
    return fail(`runtime: ${error instanceof Error ? error.message : String(error)}`);
  }
  return E.right({ runtime, store, tmux, channelServer, socketPath, embedderTokenPath: tokenPath, owner, stop });
};
