import { type Conn, isAuthorityStore, type PaneId } from "@first-mate/core";
import * as E from "fp-ts/lib/Either.js";
import { afterEach, describe, expect, it } from "vitest";
import { cleanUp, openStore, rawConnection, temporaryDatabasePath } from "./helpers.js";

afterEach(cleanUp);

const right = <T>(result: E.Either<unknown, T>): T => {
  if (E.isLeft(result)) throw new Error(`expected Right, got ${JSON.stringify(result.left)}`);
  return result.right;
};

const HELD: Conn = {
  holder: "first_mate",
  since: 1_000,
  expiresAt: 61_000,
  scope: { actions: ["spawn_worker", "terminate"], targets: ["helper-*"] },
  escalation: "wake the human for anything touching main",
  firstMateAttempt: 3,
};

describe("the authority store port", () => {
  it("is implemented by SqliteStore", () => {
    expect(isAuthorityStore(openStore({ path: temporaryDatabasePath() }))).toBe(true);
  });

  it("saves the conn and hydrates it after a reopen", async () => {
    const path = temporaryDatabasePath();
    const first = openStore({ path });
    expect(right(await first.hydrate()).conn).toBeNull();
    right(await first.saveConn(HELD));
    await first.close();
    const second = openStore({ path });
    expect(right(await second.hydrate()).conn).toEqual(HELD);
    right(await second.saveConn({ holder: "human", since: 2_000 }));
    expect(right(await second.hydrate()).conn).toEqual({ holder: "human", since: 2_000 });
  });

  it("refuses to save something that is not a conn", async () => {
    const store = openStore({ path: temporaryDatabasePath() });
    const saved = await store.saveConn({ holder: "first_mate", since: 1 } as unknown as Conn);
    expect(E.isLeft(saved) && saved.left._tag).toBe("StoreInvalidInput");
    expect(right(await store.hydrate()).conn).toBeNull();
  });

  it("reads a corrupt conn row as the human's conn (fail safe), not as an error", async () => {
    const path = temporaryDatabasePath();
    const store = openStore({ path });
    right(await store.saveConn(HELD));
    rawConnection(path)
      .prepare("UPDATE conn_state SET json = ? WHERE id = 1")
      .run(JSON.stringify({ ...HELD, scope: { actions: ["launch_missiles"] } }));
    const hydrated = right(await store.hydrate());
    expect(hydrated.conn).toBeNull();
  });

  it("records proposals, lists them by status and decides each once", async () => {
    const store = openStore({ path: temporaryDatabasePath() });
    const first = right(
      await store.addProposal({
        action: { kind: "spawn_worker", target: { name: "helper" }, args: { task: "write the docs" } },
        reason: "the human holds the conn",
        at: 5,
      }),
    );
    const second = right(
      await store.addProposal({
        action: { kind: "terminate", target: { paneId: "%4" as PaneId }, args: {} },
        reason: "out of scope",
        at: 6,
      }),
    );
    expect(first).toMatchObject({ id: 1, status: "pending", decidedAt: null, decidedBy: null });
    expect(right(await store.listProposals({ status: "pending" })).map((p) => p.id)).toEqual([first.id, second.id]);
    const decided = right(await store.decideProposal(first.id, "rejected", { by: "alice", at: 9 }));
    expect(decided).toMatchObject({ status: "rejected", decidedAt: 9, decidedBy: "alice" });
    const again = await store.decideProposal(first.id, "approved", { by: "alice", at: 10 });
    expect(E.isLeft(again) && again.left._tag).toBe("StoreConstraint");
    const unknown = await store.decideProposal(99, "approved", { by: "alice", at: 10 });
    expect(E.isLeft(unknown) && unknown.left._tag).toBe("StoreInvalidInput");
    expect(right(await store.listProposals({ status: "pending" })).map((p) => p.id)).toEqual([second.id]);
    expect(right(await store.listProposals()).length).toBe(2);
  });

  it("reports a hand-edited proposal row as corrupt", async () => {
    const path = temporaryDatabasePath();
    const store = openStore({ path });
    right(await store.addProposal({ action: { kind: "terminate", target: {}, args: {} }, reason: "r", at: 1 }));
    rawConnection(path).prepare("UPDATE proposals SET action_json = ? WHERE id = 1").run('{"kind":"Not A Kind"}');
    const listed = await store.listProposals();
    expect(E.isLeft(listed) && listed.left).toMatchObject({ _tag: "StoreCorruptRow", table: "proposals" });
  });

  it("role extensions through the port: proposed, then decided only once", async () => {
    const store = openStore({ path: temporaryDatabasePath() });
    const proposed = right(await store.proposeRoleExtension({ text: "Review every PR before merge", at: 7 }));
    expect(proposed.status).toBe("proposed");
    expect(right(await store.listRoleExtensions({ status: "approved" }))).toEqual([]);
    right(await store.decideRoleExtension(proposed.id, "approved", { by: "human", at: 8 }));
    expect(right(await store.listRoleExtensions({ status: "approved" })).map((x) => x.text)).toEqual([
      "Review every PR before merge",
    ]);
    const twice = await store.decideRoleExtension(proposed.id, "rejected", { by: "human", at: 9 });
    expect(E.isLeft(twice) && twice.left._tag).toBe("StoreConstraint");
  });
});
