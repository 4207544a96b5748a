/**
 * Opening and migrating, bad input at the door, and the server going away
 * under a running store: a wrong URL, a server that refuses, a database that
 * does not exist, a schema newer than the code, a lost connection — each a
 * typed error with a clear message, and the store recovers by itself when
 * the server is back.
 */
import { openPostgresStore, readPostgresSchemaVersion, SCHEMA_VERSION } from "@first-mate/store-postgres";
import { startThrowawayPostgres, type ThrowawayPostgres } from "@first-mate/store-postgres/testing";
import * as E from "fp-ts/lib/Either.js";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { dropChecks, dropSchema, freshLocation, openStoreAt, type PostgresLocation, withRawClient } from "./helpers.js";

const locations: PostgresLocation[] = [];
const fresh = async (): Promise<PostgresLocation> => {
  const location = await freshLocation();
  locations.push(location);
  return location;
};
afterEach(async () => {
  for (const location of locations.splice(0)) await dropSchema(location).catch(() => undefined);
});

const errorOf = async (options: Parameters<typeof openPostgresStore>[0]) => {
  const opened = await openPostgresStore(options);
  if (E.isRight(opened)) {
    await opened.right.close();
    throw new Error("expected the store not to open");
  }
  return opened.left;
};

const EXPECTED_TABLES = [
  "alerts",
  "captains_log",
  "conn_state",
  "deferred_spawns",
  "interrupt_dedupe",
  "interrupt_rate",
  "interrupt_repeats",
  "kv",
  "marker",
  "outbox",
  "outbox_state",
  "proposals",
  "restart_ledger",
  "role_extensions",
  "schema_version",
  "supervisor_lease",
  "supervisor_settings",
];

const tablesOf = (location: PostgresLocation) =>
  withRawClient(location.url, async (client) =>
    (
      await client.query<{ table_name: string }>(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name",
        [location.schema],
      )
    ).rows.map((row) => row.table_name),
  );

describe("openPostgresStore", () => {
  it("creates the schema and migrates it; re-opening is idempotent and keeps the data", async () => {
    const location = await fresh();
    expect(await readPostgresSchemaVersion(location)).toEqual(E.right(0));
    const first = await openStoreAt(location);
    expect(await tablesOf(location)).toEqual(EXPECTED_TABLES);
    expect(await readPostgresSchemaVersion(location)).toEqual(E.right(SCHEMA_VERSION));
    const entry = await first.appendLog({ kind: "standing_order", text: "stay", at: 1, author: "human" });
    await first.close();
    for (let round = 0; round < 3; round++) {
      const again = await openStoreAt(location);
      expect(await again.readLog({ limit: 5 })).toEqual(E.right([E.isRight(entry) && entry.right]));
      await again.close();
    }
  });

  it("hosts opening a new schema at once migrate it once", async () => {
    const location = await fresh();
    const stores = await Promise.all(Array.from({ length: 4 }, () => openStoreAt(location)));
    expect(await readPostgresSchemaVersion(location)).toEqual(E.right(SCHEMA_VERSION));
    for (const store of stores) await store.close();
  });

  it("a store with synchronousCommit off reads and writes, and leaves other connections at the server's setting", async () => {
    const location = await fresh();
    const relaxed = await openStoreAt(location, { synchronousCommit: "off" });
    expect(E.isRight(await relaxed.setKillSwitch(true))).toBe(true);
    const setting = await withRawClient(location.url, (client) => client.query("SHOW synchronous_commit"));
    expect(setting.rows[0]).toEqual({ synchronous_commit: "on" });
    expect(await relaxed.readKillSwitch()).toEqual(E.right(true));
    await relaxed.close();
  });

  it("two schemas in one database are two independent stores", async () => {
    const [one, two] = [await fresh(), await fresh()];
    const storeOne = await openStoreAt(one);
    const storeTwo = await openStoreAt(two);
    await storeOne.setKillSwitch(true);
    expect(await storeOne.readKillSwitch()).toEqual(E.right(true));
    expect(await storeTwo.readKillSwitch()).toEqual(E.right(false));
    await storeOne.close();
    await storeTwo.close();
  });

  it("refuses a schema with a newer version and leaves it untouched", async () => {
    const location = await fresh();
    await (await openStoreAt(location)).close();
    await withRawClient(location.url, (client) =>
      client.query(`UPDATE "${location.schema}".schema_version SET version = $1`, [SCHEMA_VERSION + 5]),
    );
    expect(await errorOf(location)).toEqual({
      _tag: "StoreSchemaTooNew",
      found: SCHEMA_VERSION + 5,
      known: SCHEMA_VERSION,
      message: expect.stringContaining("upgrade first-mate"),
    });
    expect(await readPostgresSchemaVersion(location)).toEqual(E.right(SCHEMA_VERSION + 5));
  });

  it("a URL that is not a PostgreSQL URL, and invalid options, are StoreInvalidInput", async () => {
    const { url } = await freshLocation();
    for (const options of [
      { url: "mysql://localhost/fleet" },
      { url: "/var/lib/first-mate.db" },
      { url: "" },
      { url: "postgres://[not a host/x" },
      { url, schema: "Fleet-One" },
      { url, schema: "x; DROP TABLE marker" },
      { url, poolSize: 0 },
      { url, statementTimeoutMs: -1 },
      { url, now: 5 as never },
      { url, synchronousCommit: "sometimes" as never },
    ]) {
      const error = await errorOf(options);
      expect(error._tag, JSON.stringify(options)).toBe("StoreInvalidInput");
    }
    expect((await errorOf({ url: "mysql://localhost/fleet" })).message).toContain("postgres://");
  });

  it("a server that refuses, a socket that is not there, a database that does not exist: StoreUnavailable naming it, never the password", async () => {
    const refused = await errorOf({ url: "postgres://fleet:s3cret@127.0.0.1:1/fleet", connectTimeoutMs: 2000 });
    expect(refused._tag).toBe("StoreUnavailable");
    expect(refused.message).toContain("refused");
    expect(refused.message).toContain("127.0.0.1:1");
    expect(refused.message).not.toContain("s3cret");
    const noSocket = await errorOf({ url: "postgres:///fleet?host=/nonexistent-first-mate-dir" });
    expect(noSocket._tag).toBe("StoreUnavailable");
    expect(noSocket.message).toContain("no server socket");
    const { url } = await freshLocation();
    const parsed = new URL(url);
    parsed.pathname = "/no_such_database";
    const noDatabase = await errorOf({ url: parsed.toString() });
    expect(noDatabase._tag).toBe("StoreUnavailable");
    expect(noDatabase.message).toContain("does not exist");
  });

  it("a BIGINT beyond 2^53 is a corrupt row, not a rounded number", async () => {
    const location = await fresh();
    const store = await openStoreAt(location);
    await store.appendLog({ kind: "watch", text: "x", at: 1, author: "kit" });
    await withRawClient(location.url, async (client) => {
      await dropChecks(client, location.schema, "captains_log");
      await client.query(`UPDATE "${location.schema}".captains_log SET at = 9007199254740993`);
    });
    const read = await store.readLog({ limit: 1 });
    expect(E.isLeft(read) && read.left).toMatchObject({ _tag: "StoreCorruptRow", table: "captains_log" });
    await store.close();
  });
});

describe("the server going away under a running store", () => {
  let server: ThrowawayPostgres;
  beforeAll(async () => {
    server = await startThrowawayPostgres();
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });

  it("calls while it is down are StoreUnavailable (never a throw, never a silent Right); the store reconnects when it is back", async () => {
    const store = await openStoreAt({ url: server.url, schema: "outage" }, { connectTimeoutMs: 1000 });
    const before = await store.appendLog({ kind: "watch", text: "before", at: 1, author: "kit" });
    expect(E.isRight(before)).toBe(true);
    await server.stopServer();
    const during = [
      await store.appendLog({ kind: "watch", text: "during", at: 2, author: "kit" }),
      await store.renewLease("alpha", 1000, 500),
      await store.readLog({ limit: 5 }),
      await store.hydrate(),
      await store.enqueueOutbox({ seq: 1, source: "%1" as never, kind: "report", message: "m", createdAt: 1 }, 0),
    ];
    for (const outcome of during) {
      expect(E.isLeft(outcome) && outcome.left._tag).toBe("StoreUnavailable");
    }
    await server.start();
    const after = await store.appendLog({ kind: "watch", text: "after", at: 3, author: "kit" });
    expect(E.isRight(after)).toBe(true);
    const log = await store.readLog({ limit: 5 });
    expect(E.isRight(log) && log.right.map((entry) => entry.text)).toEqual(["after", "before"]);
    expect(await store.renewLease("alpha", 1000, 500)).toEqual(
      E.right(expect.objectContaining({ held: true, owner: "alpha" })),
    );
    await store.close();
  }, 60_000);

  it("a restart during a stream of writes loses no acknowledged write", async () => {
    const store = await openStoreAt({ url: server.url, schema: "restart" }, { connectTimeoutMs: 1000 });
    const acknowledged: number[] = [];
    let stop = false;
    const writer = (async () => {
      for (let seq = 1; !stop; seq++) {
        const outcome = await store.enqueueOutbox(
          {
            seq,
            source: "%1" as never,
            kind: "report",
            message: `r${seq}`,
            createdAt: seq,
          },
          0,
        );
        if (E.isRight(outcome)) acknowledged.push(seq);
        else {
          expect(outcome.left._tag).toBe("StoreUnavailable");
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      }
    })();
    while (acknowledged.length < 20) await new Promise((resolve) => setTimeout(resolve, 10));
    await server.restart();
    const resumedAt = acknowledged.length;
    while (acknowledged.length < resumedAt + 20) await new Promise((resolve) => setTimeout(resolve, 10));
    stop = true;
    await writer;
    const listed = await store.listOutbox();
    const seqs = new Set(E.isRight(listed) ? listed.right.map((entry) => entry.seq) : []);
    for (const seq of acknowledged) expect(seqs.has(seq), `outbox ${seq}`).toBe(true);
    await store.close();
  }, 60_000);
});
