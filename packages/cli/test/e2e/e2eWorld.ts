/**
 * The end-to-end world: everything first-mate runs on, real and private to
 * one test — an isolated tmux server (`-L`, `-f /dev/null`), a temp dir
 * holding the SQLite file, the channel socket, the launch files and the
 * stand-in first mate's journal — plus hosts started through `startHost`.
 *
 * Guarantees: `dispose()` stops every host it started, kills the tmux server
 * and waits for its process to exit, and removes the temp dir; it is safe to
 * call after a failure part-way through and more than once.
 * Does not: assert anything (the scenarios do).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Command, CoreConfigInput, Event, PaneId } from "@first-mate/core";
import type { RuntimeReport } from "@first-mate/core/runtime";
import { type IsolatedTmuxServer, startIsolatedTmuxServer } from "@first-mate/driver-tmux/testing";
import * as E from "fp-ts/lib/Either.js";
import { type AgentChoice, type HostConfig, parseHostConfig } from "../../src/host/hostConfig.js";
import { nodeScriptArgv } from "../../src/host/nodeScript.js";
import { type Host, startHost } from "../../src/host/startHost.js";
import type { WorkerScript } from "../../src/standIn/standInWorker.js";

/** Compressed timings: every behaviour shows within seconds. */
export const FAST_TIMINGS: CoreConfigInput = {
  tickMs: 300,
  pushIntervalMs: 1_500,
  // Crossing the idle threshold is a material change: keep it out of the way.
  idleThresholdMs: 3_600_000,
  minUptimeMs: 1_000,
  backoffBaseMs: 200,
  backoffMaxMs: 2_000,
  leaseTtlMs: 4_000,
  maxStarts: 3,
  startWindowMs: 120_000,
};

/**
 * Per-test budget. A stand-in costs two node+tsx processes (agent and shim);
 * on a loaded two-core machine one takes several seconds to attach.
 */
export const E2E_TIMEOUT_MS = 120_000;

/** One line of the stand-in first mate's journal. */
export interface JournalEntry {
  readonly at: number;
  readonly pane: string;
  readonly attempt: string;
  readonly type: string;
  readonly kind?: string;
  readonly meta?: Record<string, string>;
  readonly content?: string;
  readonly text?: string;
}

export interface TimedReport {
  readonly report: RuntimeReport;
  /** Wall clock when the listener saw it. */
  readonly seenAt: number;
}

/** A host under test with every report it produced since before its start. */
export interface HostUnderTest {
  readonly host: Host;
  readonly reports: TimedReport[];
  readonly commands: (type?: Command["type"]) => Command[];
  readonly events: (type?: Event["type"]) => Event[];
}

export interface E2eWorld {
  readonly dir: string;
  readonly socketName: string;
  readonly databasePath: string;
  readonly socketPath: string;
  readonly journalPath: string;
  /** Runs tmux against this world's server; resolves to stdout. */
  tmux(args: readonly string[]): Promise<string>;
  /** A validated host configuration for this world. */
  config(options?: { agent?: AgentChoice; core?: CoreConfigInput; socketPath?: string }): HostConfig;
  /** Starts a host and records its reports from before its first event. */
  startHost(options?: { agent?: AgentChoice; core?: CoreConfigInput; socketPath?: string }): Promise<HostUnderTest>;
  /** Starts a stand-in worker (through the real shim) in session "fleet". */
  spawnWorker(host: Host, window: string, script: WorkerScript): Promise<PaneId>;
  /** The stand-in first mate's journal so far. */
  journal(): JournalEntry[];
  /** Panes of the first mate's window (`bridge:first-mate`), as `%N` ids. */
  firstMateWindowPanes(): Promise<string[]>;
  /** `kill-server`: waits for the tmux server to exit. A later `tmux(...)` that creates a session starts a new one on the same socket. */
  killTmuxServer(): Promise<void>;
  dispose(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls `check` until it returns something other than undefined/false.
 * Throws with `what` (and the last value seen by `describe`) on timeout.
 */
export const waitFor = async <T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  options: { timeoutMs?: number; intervalMs?: number; describe?: () => string } = {},
): Promise<T> => {
  const timeoutMs = options.timeoutMs ?? 45_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) {
      const detail = options.describe ? `\n${options.describe()}` : "";
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail}`);
    }
    await sleep(options.intervalMs ?? 50);
  }
};

/** Creates a world: the tmux server is started (empty session "fleet") before any host. */
export const createE2eWorld = async (): Promise<E2eWorld> => {
  const dir = mkdtempSync(join(tmpdir(), "fm-e2e-"));
  let server: IsolatedTmuxServer;
  try {
    server = await startIsolatedTmuxServer({ label: "e2e", keepalive: { session: "fleet", window: "shell" } });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const { socketName, tmux } = server;
  const databasePath = join(dir, "first-mate.db");
  const socketPath = join(dir, "channel", "channel.sock");
  const journalPath = join(dir, "first-mate.jsonl");
  const hosts: Host[] = [];
  let disposed = false;

  const config: E2eWorld["config"] = (options = {}) => {
    const parsed = parseHostConfig({
      tmux: { socketName },
      databasePath,
      socketPath: options.socketPath ?? socketPath,
      stateDir: join(dir, "state"),
      cwd: dir,
      agent: options.agent ?? { kind: "stand-in", logFile: journalPath },
      core: { ...FAST_TIMINGS, ...options.core },
    });
    if (!parsed.ok) throw new Error(parsed.errors.join("; "));
    return parsed.config;
  };

  const world: E2eWorld = {
    dir,
    socketName,
    databasePath,
    socketPath,
    journalPath,
    tmux,
    config,
    async startHost(options = {}) {
      const reports: TimedReport[] = [];
      const started = await startHost({
        config: config(options),
        onReport: (report) => reports.push({ report, seenAt: Date.now() }),
      });
      if (E.isLeft(started)) throw new Error(started.left.message);
      const host = started.right;
      hosts.push(host);
      return {
        host,
        reports,
        commands: (type) =>
          reports.flatMap(({ report }) =>
            report.type === "command" && (type === undefined || report.command.type === type) ? [report.command] : [],
          ),
        events: (type) =>
          reports.flatMap(({ report }) =>
            report.type === "event" && (type === undefined || report.event.type === type) ? [report.event] : [],
          ),
      };
    },
    async spawnWorker(host, window, script) {
      const spawned = await host.tmux.spawn({
        session: "fleet",
        window,
        argv: nodeScriptArgv("cli", "standIn/standInWorker"),
        cwd: dir,
        env: { FIRST_MATE_SOCKET: host.socketPath, FIRST_MATE_WORKER_SCRIPT: JSON.stringify(script) },
      });
      if (E.isLeft(spawned)) throw new Error(`worker ${window}: ${spawned.left.message}`);
      return spawned.right.paneId as PaneId;
    },
    journal() {
      if (!existsSync(journalPath)) return [];
      return readFileSync(journalPath, "utf8")
        .split("\n")
        .filter((line) => line.trim() !== "")
        .map((line) => JSON.parse(line) as JournalEntry);
    },
    async firstMateWindowPanes() {
      const listing = await tmux(["list-panes", "-a", "-F", "#{session_name}\t#{window_name}\t#{pane_id}"]);
      return listing
        .split("\n")
        .map((line) => line.split("\t"))
        .filter(([session, window]) => session === "bridge" && window === "first-mate")
        .map(([, , pane]) => pane!);
    },
    killTmuxServer: () => server.stop(),
    async dispose() {
      if (disposed) return;
      disposed = true;
      const failures: unknown[] = [];
      for (const host of hosts.splice(0)) {
        try {
          await host.stop();
        } catch (error) {
          failures.push(error);
        }
      }
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
      if (failures.length > 0) throw failures[0];
    },
  };

  return world;
};
