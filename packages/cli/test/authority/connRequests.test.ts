import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Conn } from "@first-mate/core";
import type { AuthorityControls } from "@first-mate/core/runtime";
import { openSqliteStore, type SqliteStore } from "@first-mate/store-sqlite";
import * as E from "fp-ts/lib/Either.js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  applyPendingConnRequest,
  CONN_REQUEST_KEY,
  requestConnChange,
  watchConnRequests,
} from "../../src/host/connRequests.js";

let dir = "";
let cli: SqliteStore;
let host: SqliteStore;
const open = (path: string) => {
  const opened = openSqliteStore({ path });
  if (E.isLeft(opened)) throw new Error(opened.left.message);
  return opened.right;
};
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "fm-connreq-"));
  // Two connections to one file: the CLI's and the running host's.
  cli = open(join(dir, "first-mate.db"));
  host = open(join(dir, "first-mate.db"));
});
afterEach(async () => {
  await cli.close();
  await host.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The runtime's authority surface as far as requests reach it: records what it was asked. */
const recordingAuthority = () => {
  const calls: string[] = [];
  let conn: Conn = { holder: "human", since: 0 };
  const authority = {
    conn: () => conn,
    handOffConn: async (input: Parameters<AuthorityControls["handOffConn"]>[0]) => {
      calls.push(`handoff ${input.scope.actions.join(",")} ${input.durationMs}`);
      conn = {
        holder: "first_mate",
        since: 1,
        expiresAt: 2,
        scope: { actions: input.scope.actions, targets: input.scope.targets ?? ["*"] },
        escalation: "e",
        firstMateAttempt: 1,
      };
      return E.right(conn);
    },
    takeBackConn: async () => {
      calls.push("take_back");
      conn = { holder: "human", since: 3 };
      return conn;
    },
  } as unknown as AuthorityControls;
  return { calls, runtime: { authority } };
};

describe("conn requests from another process", () => {
  it("a handoff reaches the running host once, and the CLI hears the answer", async () => {
    const { calls, runtime } = recordingAuthority();
    const stop = watchConnRequests(host, runtime, 50);
    try {
      const answer = await requestConnChange(cli, {
        op: "handoff",
        scope: { actions: ["spawn_worker"], targets: ["relief-*"] },
        durationMs: 600_000,
      });
      expect(answer).toMatchObject({ _tag: "Right", right: { ok: true } });
      expect(calls).toEqual(["handoff spawn_worker 600000"]);
      expect(await applyPendingConnRequest(host, runtime)).toBeNull();
      expect(calls).toHaveLength(1);
    } finally {
      stop();
    }
  });

  it("an idle host polls no store: on a SQLite file a request is applied when the file changes", async () => {
    const { calls, runtime } = recordingAuthority();
    // Polling once an hour: only the file's change notice can bring the answer within the CLI's wait
    // (20 s: generous for a loaded machine, and still far short of the hour).
    const stop = watchConnRequests(host, runtime, 3_600_000, join(dir, "first-mate.db"));
    try {
      const answer = await requestConnChange(cli, { op: "take_back" }, 20_000);
      expect(answer).toMatchObject({ _tag: "Right", right: { ok: true } });
      expect(calls).toEqual(["take_back"]);
    } finally {
      stop();
    }
  });

  it("with no running host the request is withdrawn, so it can never apply later", async () => {
    const answer = await requestConnChange(cli, { op: "take_back" }, 300);
    expect(E.isLeft(answer)).toBe(true);
    expect(E.isRight(cli.getKv(CONN_REQUEST_KEY)) && cli.getKv(CONN_REQUEST_KEY)).toEqual(E.right(undefined));
  });

  it("an invalid request is answered with an error and changes nothing", async () => {
    const { calls, runtime } = recordingAuthority();
    cli.setKv(CONN_REQUEST_KEY, { op: "handoff", id: "x", scope: { actions: ["launch"] }, durationMs: -1 });
    const result = await applyPendingConnRequest(host, runtime);
    expect(result).toMatchObject({ id: "x", ok: false });
    expect(calls).toEqual([]);
  });
});
