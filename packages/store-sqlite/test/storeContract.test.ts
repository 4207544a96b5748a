/** The store contract, run against SQLite (a fresh file per test). */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Corruption, describeStoreContract } from "@first-mate/store-contract";
import { openSqliteStore } from "@first-mate/store-sqlite";
import Database from "better-sqlite3";
import * as E from "fp-ts/lib/Either.js";
import { snapshotOf } from "./helpers.js";

const CORRUPTIONS: Readonly<Record<Corruption, string>> = {
  "marker.paneId": "UPDATE marker SET pane_id = 'bogus'",
  "marker.attempt": "UPDATE marker SET attempt = 0",
  "restart_ledger.outcome": "UPDATE restart_ledger SET outcome = 'exploded'",
  "captains_log.kind": "UPDATE captains_log SET kind = 'gossip'",
  "alerts.message": "UPDATE alerts SET message = ''",
  "alerts.raisedAt": "UPDATE alerts SET raised_at = -5",
  "outbox.source": "UPDATE outbox SET source = 'pane two'",
  "supervisor_settings.resetAt": "UPDATE supervisor_settings SET kill_switch = 7",
  "supervisor_lease.owner": "UPDATE supervisor_lease SET owner = ''",
  "conn_state.json": "UPDATE conn_state SET json = '{not json'",
  "role_extensions.status": "UPDATE role_extensions SET status = 'maybe'",
  "proposals.action": `UPDATE proposals SET action_json = '{"kind":"Not A Kind"}'`,
  "interrupt_rate.times": `UPDATE interrupt_rate SET times_json = '["soon"]'`,
  "interrupt_repeats.count": "UPDATE interrupt_repeats SET count = 0",
  "deferred_spawns.spawn": `UPDATE deferred_spawns SET spawn_json = '{"id":"d-1"}'`,
};

/** A raw connection for one piece of work, closed afterwards. */
const withRaw = <T>(path: string, work: (db: Database.Database) => T): T => {
  const db = new Database(path, { timeout: 5000 });
  try {
    return work(db);
  } finally {
    db.close();
  }
};

const open = (path: string, now: () => number) => {
  const opened = openSqliteStore({ path, now });
  if (E.isLeft(opened)) throw new Error(`store did not open: ${opened.left._tag}: ${opened.left.message}`);
  return opened.right;
};

describeStoreContract({
  name: "SQLite",
  async open({ now }) {
    const path = join(mkdtempSync(join(tmpdir(), "fm-store-contract-")), "first-mate.db");
    return { store: open(path, now), location: path };
  },
  reopen: async (path, { now }) => open(path, now),
  async corrupt(path, corruption) {
    withRaw(path, (db) => {
      db.pragma("ignore_check_constraints = 1");
      db.exec(CORRUPTIONS[corruption]);
    });
  },
  snapshot: async (path) => withRaw(path, snapshotOf),
  childModule: fileURLToPath(new URL("./fixtures/openContractStore.ts", import.meta.url)),
  checkIntegrity: async (path) => withRaw(path, (db) => String(db.pragma("integrity_check", { simple: true }))),
  dispose: async (path) => rmSync(dirname(path), { recursive: true, force: true }),
});
