/**
 * `status`, `log`, `disable`, `enable`, `reset`: read or flip what the
 * store holds, without starting supervision.
 *
 * Guarantees: the read-only commands (`status`, `log`, and the listing
 * commands built on {@link withExistingStore}) never create a database or
 * its directory: with no database they say so (and print the empty
 * document under `--json`). Errors go to stderr, so `--json` output on
 * stdout stays one parseable document.
 */
import { existsSync } from "node:fs";
import { describeError, LogKindSchema } from "@first-mate/core";
import { defaultStorePath, legacyStorePath } from "@first-mate/store-sqlite";
import * as E from "fp-ts/lib/Either.js";
import type { HostConfig } from "../host/hostConfig.js";
import { describeStore, type HostStore, openHostStore, storeChoiceOf, storeExists } from "../host/hostStore.js";
import type { KillSwitchJson, LogJson, ResetJson, StatusJson } from "./jsonContract.js";
import { askRunningHost, type LiveStatus } from "./liveStatus.js";

/** Where a command prints: results to `out` (stdout), failures and notes to `err` (stderr). */
export interface Io {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

/** The store the configuration names: the SQLite file (absolute), or the PostgreSQL server and schema. */
export const databasePathOf = (config: HostConfig): string => describeStore(storeChoiceOf(config));

/** Open the store (creating it if needed) for a command that writes; returns the exit code. */
export const withStore = async (
  config: HostConfig,
  io: Io,
  body: (store: HostStore) => Promise<number>,
): Promise<number> => {
  const opened = await openHostStore(storeChoiceOf(config));
  if (E.isLeft(opened)) {
    io.err(`first-mate: cannot open the store: ${describeError(opened.left)}`);
    return 1;
  }
  try {
    return await body(opened.right);
  } finally {
    await opened.right.close();
  }
};

/** The sentence a read-only command prints when there is no database yet. */
export const noStateMessage = (path: string): string => {
  const legacy = legacyStorePath();
  const hint =
    path === defaultStorePath() && existsSync(legacy)
      ? ` A database from an earlier version is at ${legacy}: move it there, or pass --db ${legacy}.`
      : " Nothing has run with this database yet: start a host with `first-mate run`.";
  return `no first-mate state at ${path}.${hint}`;
};

/**
 * Open the store only if the database exists; otherwise run `none` (which
 * must not create anything). For read-only commands.
 */
export const withExistingStore = async (
  config: HostConfig,
  io: Io,
  body: (store: HostStore) => Promise<number>,
  none: (path: string) => number,
): Promise<number> => {
  const path = databasePathOf(config);
  const exists = await storeExists(storeChoiceOf(config));
  if (E.isLeft(exists)) {
    io.err(`first-mate: cannot open the store: ${describeError(exists.left)}`);
    return 1;
  }
  if (!exists.right) return none(path);
  return withStore(config, io, body);
};

const time = (ms: number | null | undefined) => (ms ? new Date(ms).toISOString() : "never");

/** `first-mate status`. */
/** One line on the first mate's channel, from the running host (see liveStatus.ts). */
const describeLive = (live: LiveStatus | null): string => {
  if (live === null) return "unknown (no running host answered)";
  const dialog = live.waitingAtDialog ? `; waiting at start-up dialog ${live.waitingAtDialog}` : "";
  switch (live.channel) {
    case null:
      return `no first mate${dialog}`;
    case "unavailable":
      return `unavailable: pushes do not reach the first mate; ${live.wakeUps} wake-ups typed into its pane (it pulls fleet_digest / inbox)${dialog}`;
    case "unconfirmed":
      return `unconfirmed (no sign yet that the first mate saw a push)${dialog}`;
    case "confirmed":
      return `confirmed${dialog}`;
  }
};

export const statusCommand = (config: HostConfig, json: boolean, io: Io) =>
  withExistingStore(
    config,
    io,
    async (store) => {
      const hydrated = await store.hydrate();
      const lease = await store.readLease();
      if (E.isLeft(hydrated) || E.isLeft(lease)) {
        io.err(
          `first-mate: ${E.isLeft(hydrated) ? describeError(hydrated.left) : E.isLeft(lease) ? describeError(lease.left) : ""}`,
        );
        return 1;
      }
      const h = hydrated.right;
      const last = h.ledger[h.ledger.length - 1];
      const status: StatusJson = {
        database: { path: databasePathOf(config), exists: true },
        firstMate: h.marker
          ? { pane: h.marker.paneId, attempt: h.marker.attempt, spawnedAt: h.marker.spawnedAt }
          : null,
        lease: { owner: lease.right.owner, expiresAt: lease.right.owner ? lease.right.expiresAt : null },
        killSwitch: h.killSwitch,
        gaveUp: h.gaveUp,
        starts: h.ledger.length,
        lastStart: last
          ? {
              attempt: last.attempt,
              paneId: last.paneId,
              startedAt: last.startedAt,
              endedAt: last.endedAt,
              outcome: last.outcome,
            }
          : null,
        outboxDepth: h.outbox.length,
        live: h.marker ? await askRunningHost(config) : null,
      };
      if (json) {
        io.out(JSON.stringify(status));
        return 0;
      }
      io.out(`database     ${status.database.path}`);
      io.out(
        `first mate   ${h.marker ? `${h.marker.paneId} (attempt ${h.marker.attempt}, since ${time(h.marker.spawnedAt)})` : "none"}`,
      );
      io.out(
        `lease        ${lease.right.owner ? `${lease.right.owner} until ${time(lease.right.expiresAt)}` : "free"}`,
      );
      io.out(`kill switch  ${h.killSwitch ? "ON (no spawns)" : "off"}`);
      io.out(`supervisor   ${h.gaveUp ? "GAVE UP after a crash loop (run `first-mate reset`)" : "ok"}`);
      io.out(
        `ledger       ${h.ledger.length} starts in the last 24 h${last ? `; last: attempt ${last.attempt} ${last.outcome}` : ""}`,
      );
      io.out(`outbox       ${h.outbox.length} undelivered interrupts`);
      io.out(`channel      ${describeLive(status.live)}`);
      return 0;
    },
    (path) => {
      if (json) {
        const status: StatusJson = {
          database: { path, exists: false },
          firstMate: null,
          lease: { owner: null, expiresAt: null },
          killSwitch: false,
          gaveUp: false,
          starts: 0,
          lastStart: null,
          outboxDepth: 0,
          live: null,
        };
        io.out(JSON.stringify(status));
      } else io.out(noStateMessage(path));
      return 0;
    },
  );

/** `first-mate log`: newest first, at most `limit` (1–200, default 50) entries. */
export const logCommand = (config: HostConfig, options: { kind?: string; limit?: number; json: boolean }, io: Io) => {
  const kind = options.kind === undefined ? undefined : LogKindSchema.safeParse(options.kind);
  if (kind && !kind.success) {
    io.err(`first-mate: --kind must be one of ${LogKindSchema.options.join(", ")}`);
    return Promise.resolve(2);
  }
  return withExistingStore(
    config,
    io,
    async (store) => {
      const rows = await store.readLog({ limit: options.limit ?? 50, ...(kind?.success ? { kind: kind.data } : {}) });
      if (E.isLeft(rows)) {
        io.err(`first-mate: ${describeError(rows.left)}`);
        return 2;
      }
      if (options.json) {
        const entries: LogJson = rows.right.map((entry) => ({
          id: entry.id,
          at: entry.at,
          kind: entry.kind,
          author: entry.author,
          text: entry.text,
        }));
        io.out(JSON.stringify(entries));
      } else if (rows.right.length === 0) io.out("the captain's log is empty");
      else
        for (const entry of rows.right)
          io.out(`#${entry.id} ${time(entry.at)} [${entry.kind}] (${entry.author}) ${entry.text}`);
      return 0;
    },
    (path) => {
      io.out(options.json ? "[]" : noStateMessage(path));
      return 0;
    },
  );
};

/** `first-mate disable` / `enable`: set or clear the kill switch. */
export const killSwitchCommand = (config: HostConfig, on: boolean, json: boolean, io: Io) =>
  withStore(config, io, async (store) => {
    const result = await store.setKillSwitch(on);
    if (E.isLeft(result)) {
      io.err(`first-mate: ${describeError(result.left)}`);
      return 1;
    }
    const document: KillSwitchJson = { killSwitch: on };
    if (json) io.out(JSON.stringify(document));
    else io.out(on ? "kill switch ON: no first mate will be spawned" : "kill switch off: supervision resumes");
    return 0;
  });

/** `first-mate reset`: clear crash-loop protection after a give-up. */
export const resetCommand = (config: HostConfig, json: boolean, io: Io) =>
  withStore(config, io, async (store) => {
    const at = Date.now();
    const result = await store.setSupervisorGaveUp(false, at, null);
    if (E.isLeft(result)) {
      io.err(`first-mate: ${describeError(result.left)}`);
      return 1;
    }
    const document: ResetJson = { gaveUp: false, resetAt: at };
    if (json) io.out(JSON.stringify(document));
    else io.out("crash-loop protection reset: earlier failed starts no longer count");
    return 0;
  });
