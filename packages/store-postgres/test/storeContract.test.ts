/** The store contract, run against PostgreSQL (a fresh schema per test on the run's throwaway server). */
import { fileURLToPath } from "node:url";
import { type Corruption, describeStoreContract } from "@first-mate/store-contract";
import {
  decodeLocation,
  dropChecks,
  dropSchema,
  encodeLocation,
  freshLocation,
  openStoreAt,
  snapshotOf,
  withRawClient,
} from "./helpers.js";

const CORRUPTIONS: Readonly<Record<Corruption, readonly [table: string, assignment: string]>> = {
  "marker.paneId": ["marker", "pane_id = 'bogus'"],
  "marker.attempt": ["marker", "attempt = 0"],
  "restart_ledger.outcome": ["restart_ledger", "outcome = 'exploded'"],
  "captains_log.kind": ["captains_log", "kind = 'gossip'"],
  "alerts.message": ["alerts", "message = ''"],
  "alerts.raisedAt": ["alerts", "raised_at = -5"],
  "outbox.source": ["outbox", "source = 'pane two'"],
  "supervisor_settings.resetAt": ["supervisor_settings", "reset_at = -5"],
  "supervisor_lease.owner": ["supervisor_lease", "owner = ''"],
  "conn_state.json": ["conn_state", "json = '{not json'"],
  "role_extensions.status": ["role_extensions", "status = 'maybe'"],
  "proposals.action": ["proposals", `action_json = '{"kind":"Not A Kind"}'`],
  "interrupt_rate.times": ["interrupt_rate", `times_json = '["soon"]'`],
  "interrupt_repeats.count": ["interrupt_repeats", "count = 0"],
  "deferred_spawns.spawn": ["deferred_spawns", `spawn_json = '{"id":"d-1"}'`],
};

describeStoreContract({
  name: "PostgreSQL",
  async open({ now }) {
    const location = await freshLocation();
    return { store: await openStoreAt(location, { now }), location: encodeLocation(location) };
  },
  reopen: (location, { now }) => openStoreAt(decodeLocation(location), { now }),
  async corrupt(location, corruption) {
    const { url, schema } = decodeLocation(location);
    const [table, assignment] = CORRUPTIONS[corruption];
    await withRawClient(url, async (client) => {
      await dropChecks(client, schema, table);
      await client.query(`UPDATE "${schema}"."${table}" SET ${assignment}`);
    });
  },
  snapshot: (location) => snapshotOf(decodeLocation(location)),
  childModule: fileURLToPath(new URL("./fixtures/openContractStore.ts", import.meta.url)),
  dispose: (location) => dropSchema(decodeLocation(location)),
});
