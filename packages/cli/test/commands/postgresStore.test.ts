/**
 * The command line against a PostgreSQL store (the run's throwaway server):
 * `store: {kind: "postgres", url, schema}` in the configuration, or a
 * `postgres://` URL given to `--db`; read-only commands create no schema;
 * a server that refuses and a URL that is not PostgreSQL's are clear errors.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openPostgresStore, readPostgresSchemaVersion, SCHEMA_VERSION } from "@first-mate/store-postgres";
import { sharedTestPostgresUrl } from "@first-mate/store-postgres/testing";
import * as E from "fp-ts/lib/Either.js";
import pg from "pg";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  ConnStatusJson,
  LogJson,
  ProposalListJson,
  RoleListJson,
  StatusJson,
} from "../../src/commands/jsonContract.js";
import { runCli } from "../../src/commands/program.js";

let dir = "";
let url = "";
let schema = "";

const firstMate = async (...argv: string[]) => {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { out: (line) => out.push(line), err: (line) => err.push(line) });
  return { code, stdout: out.join("\n"), stderr: err.join("\n") };
};

const configFile = (content: unknown): string => {
  const path = join(dir, `config-${randomBytes(3).toString("hex")}.json`);
  writeFileSync(path, JSON.stringify(content));
  return path;
};

/** A database of its own on the shared server, so the default schema name is free. */
const freshDatabaseUrl = async (): Promise<string> => {
  const name = `cli_${randomBytes(5).toString("hex")}`;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
};

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "fm-cli-pg-"));
  url = await sharedTestPostgresUrl();
  schema = `cli_${randomBytes(5).toString("hex")}`;
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("first-mate on a PostgreSQL store", () => {
  it("status, disable, enable and log work through store: {kind: postgres}; read-only status creates no schema", async () => {
    const config = configFile({ store: { kind: "postgres", url, schema } });
    const before = await firstMate("status", "--json", "--config", config);
    expect(before.code, before.stderr).toBe(0);
    expect(StatusJson.parse(JSON.parse(before.stdout)).database.exists).toBe(false);
    expect(await readPostgresSchemaVersion({ url, schema })).toEqual(E.right(0));

    expect((await firstMate("disable", "--config", config)).code).toBe(0);
    const status = StatusJson.parse(JSON.parse((await firstMate("status", "--json", "--config", config)).stdout));
    expect(status.database).toEqual({ path: expect.stringContaining(`schema ${schema}`), exists: true });
    expect(status.killSwitch).toBe(true);
    expect((await firstMate("enable", "--config", config)).code).toBe(0);

    const opened = await openPostgresStore({ url, schema });
    if (E.isLeft(opened)) throw new Error(opened.left.message);
    const entry = await opened.right.appendLog({ kind: "watch", text: "PR 12 on staging", at: 5, author: "kit" });
    await opened.right.close();
    expect(E.isRight(entry)).toBe(true);
    const log = await firstMate("log", "--json", "--config", config);
    expect(log.code, log.stderr).toBe(0);
    expect(LogJson.parse(JSON.parse(log.stdout)).map((logged) => logged.text)).toEqual(["PR 12 on staging"]);
    const text = await firstMate("status", "--config", config);
    expect(text.stdout).toContain("kill switch  off");
  });

  it("conn status, role list and proposals list read the PostgreSQL store; conn take-back writes it", async () => {
    const config = configFile({ store: { kind: "postgres", url, schema } });
    expect((await firstMate("disable", "--config", config)).code).toBe(0);
    const opened = await openPostgresStore({ url, schema });
    if (E.isLeft(opened)) throw new Error(opened.left.message);
    const proposed = await opened.right.proposeRoleExtension({ text: "Prefer small PRs.", at: 1 });
    const proposal = await opened.right.addProposal({
      action: { kind: "terminate", target: { name: "helper" }, args: {} },
      reason: "the human holds the conn",
      at: 2,
    });
    await opened.right.close();
    expect(E.isRight(proposed) && E.isRight(proposal)).toBe(true);
    const roles = await firstMate("role", "list", "--json", "--config", config);
    expect(roles.code, roles.stderr).toBe(0);
    expect(RoleListJson.parse(JSON.parse(roles.stdout)).map((role) => role.text)).toEqual(["Prefer small PRs."]);
    const proposals = await firstMate("proposals", "list", "--json", "--config", config);
    expect(proposals.code, proposals.stderr).toBe(0);
    expect(ProposalListJson.parse(JSON.parse(proposals.stdout))).toHaveLength(1);
    const conn = await firstMate("conn", "status", "--json", "--config", config);
    expect(conn.code, conn.stderr).toBe(0);
    expect(ConnStatusJson.parse(JSON.parse(conn.stdout)).holder).toBe("human");
    const takeBack = await firstMate("conn", "take-back", "--config", config);
    expect(takeBack.code, takeBack.stderr).toBe(0);
    const stored = await openPostgresStore({ url, schema });
    if (E.isLeft(stored)) throw new Error(stored.left.message);
    const hydrated = await stored.right.hydrate();
    await stored.right.close();
    expect(E.isRight(hydrated) && hydrated.right.conn?.holder).toBe("human");
  });

  it("a postgres:// URL given to --db names the store (default schema first_mate)", async () => {
    const database = await freshDatabaseUrl();
    expect((await firstMate("disable", "--db", database)).code).toBe(0);
    expect(await readPostgresSchemaVersion({ url: database })).toEqual(E.right(SCHEMA_VERSION));
    const status = StatusJson.parse(JSON.parse((await firstMate("status", "--json", "--db", database)).stdout));
    expect(status.killSwitch).toBe(true);
    expect(status.database.path).toContain("schema first_mate");
  });

  it("a server that refuses is a clear error naming it, never the password", async () => {
    const refused = await firstMate("status", "--db", "postgres://fleet:s3cret@127.0.0.1:1/fleet");
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("StoreUnavailable");
    expect(refused.stderr).toContain("refused");
    expect(refused.stderr).toContain("127.0.0.1:1");
    expect(refused.stderr).not.toContain("s3cret");
  });

  it("a store URL that is not PostgreSQL's, or a schema that is not an identifier, is a configuration error", async () => {
    const wrongUrl = await firstMate(
      "status",
      "--config",
      configFile({ store: { kind: "postgres", url: "mysql://x/y" } }),
    );
    expect(wrongUrl.code).toBe(2);
    expect(wrongUrl.stderr).toContain("store.url");
    const wrongSchema = await firstMate(
      "status",
      "--config",
      configFile({ store: { kind: "postgres", url, schema: "Robert'); DROP TABLE x;--" } }),
    );
    expect(wrongSchema.code).toBe(2);
    expect(wrongSchema.stderr).toContain("store.schema");
  });
});
