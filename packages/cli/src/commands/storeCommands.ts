/**
 * `status`, `log`, `disable`, `enable`, `reset`: read or flip what the
 * store holds, without starting supervision.
 */
import { describeError, LogKindSchema } from "@first-mate/core";
import { openSqliteStore, type SqliteStore } from "@first-mate/store-sqlite";
import * as E from "fp-ts/lib/Either.js";
import type { HostConfig } from "../host/hostConfig.js";

type Out = (line: string) => void;

export const withStore = async (
  config: HostConfig,
  out: Out,
  body: (store: SqliteStore) => Promise<number>,
): Promise<number> => {
  const opened = openSqliteStore(config.databasePath ? { path: config.databasePath } : {});
  if (E.isLeft(opened)) {
    out(`first-mate: cannot open the store: ${describeError(opened.left)}`);
    return 1;
  }
  try {
    return await body(opened.right);
  } finally {
    await opened.right.close();
  }
};

const time = (ms: number | null | undefined) => (ms ? new Date(ms).toISOString() : "never");

export const statusCommand = (config: HostConfig, json: boolean, out: Out) =>
  withStore(config, out, async (store) => {
    const hydrated = await store.hydrate();
    const lease = await store.readLease();
    if (E.isLeft(hydrated) || E.isLeft(lease)) {
      out(
        `first-mate: ${E.isLeft(hydrated) ? describeError(hydrated.left) : E.isLeft(lease) ? describeError(lease.left) : ""}`,
      );
      return 1;
    }
    const h = hydrated.right;
    const last = h.ledger[h.ledger.length - 1];
    const status = {
      firstMate: h.marker ? { pane: h.marker.paneId, attempt: h.marker.attempt, spawnedAt: h.marker.spawnedAt } : null,
      lease: lease.right,
      killSwitch: h.killSwitch,
      gaveUp: h.gaveUp,
      starts: h.ledger.length,
      lastStart: last ?? null,
      outboxDepth: h.outbox.length,
    };
    if (json) {
      out(JSON.stringify(status));
      return 0;
    }
    out(
      `first mate   ${h.marker ? `${h.marker.paneId} (attempt ${h.marker.attempt}, since ${time(h.marker.spawnedAt)})` : "none"}`,
    );
    out(`lease        ${lease.right.owner ? `${lease.right.owner} until ${time(lease.right.expiresAt)}` : "free"}`);
    out(`kill switch  ${h.killSwitch ? "ON (no spawns)" : "off"}`);
    out(`supervisor   ${h.gaveUp ? "GAVE UP after a crash loop (run `first-mate reset`)" : "ok"}`);
    out(
      `ledger       ${h.ledger.length} starts in the last 24 h${last ? `; last: attempt ${last.attempt} ${last.outcome}` : ""}`,
    );
    out(`outbox       ${h.outbox.length} undelivered interrupts`);
    return 0;
  });

export const logCommand = (config: HostConfig, options: { kind?: string; limit?: string; json: boolean }, out: Out) =>
  withStore(config, out, async (store) => {
    const kind = options.kind === undefined ? undefined : LogKindSchema.safeParse(options.kind);
    if (kind && !kind.success) {
      out(`first-mate: --kind must be one of ${LogKindSchema.options.join(", ")}`);
      return 2;
    }
    const limit = options.limit === undefined ? 50 : Number(options.limit);
    const rows = await store.readLog({ limit, ...(kind?.success ? { kind: kind.data } : {}) });
    if (E.isLeft(rows)) {
      out(`first-mate: ${describeError(rows.left)}`);
      return 2;
    }
    for (const entry of rows.right) {
      out(
        options.json
          ? JSON.stringify(entry)
          : `#${entry.id} ${time(entry.at)} [${entry.kind}] (${entry.author}) ${entry.text}`,
      );
    }
    return 0;
  });

export const killSwitchCommand = (config: HostConfig, on: boolean, out: Out) =>
  withStore(config, out, async (store) => {
    const result = await store.setKillSwitch(on);
    if (E.isLeft(result)) {
      out(`first-mate: ${describeError(result.left)}`);
      return 1;
    }
    out(on ? "kill switch ON: no first mate will be spawned" : "kill switch off: supervision resumes");
    return 0;
  });

export const resetCommand = (config: HostConfig, out: Out) =>
  withStore(config, out, async (store) => {
    const result = await store.setSupervisorGaveUp(false, Date.now());
    if (E.isLeft(result)) {
      out(`first-mate: ${describeError(result.left)}`);
      return 1;
    }
    out("crash-loop protection reset: earlier failed starts no longer count");
    return 0;
  });
