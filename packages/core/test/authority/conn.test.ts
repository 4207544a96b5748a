import { describe, expect, it } from "vitest";
import type { AuthorityAction } from "../../src/authority/authorityAction.js";
import { authorize } from "../../src/authority/authorize.js";
import { DEFAULT_BUDGET_POLICY } from "../../src/authority/budgetStewardship.js";
import { expireConn, HUMAN_CONN, handOffConn, scopeCovers } from "../../src/authority/conn.js";
import { DEFAULT_PROHIBITIONS } from "../../src/authority/prohibition.js";
import type { Command } from "../../src/commands.js";
import { DEFAULT_CONFIG } from "../../src/config.js";
import { EMPTY_HYDRATION } from "../../src/events.js";
import { initialState } from "../../src/state.js";
import { pid, T0 } from "../support.js";
import { connsStored, heldConn, logTexts, MARKER, run, startedCore } from "./authoritySupport.js";

const SCOPE = { actions: ["spawn_worker" as const], targets: ["helper-*"] };
const emits = (commands: readonly Command[]) => commands.filter((command) => command.type === "channel.emit");
const alerts = (commands: readonly Command[]) => commands.filter((command) => command.type === "alert.raise");

describe("handoff", () => {
  it("hands the conn to the first mate: stored, logged, told, and a wake-up at its expiry", () => {
    const core = startedCore();
    const { state, commands } = run(core, [
      { type: "ConnHandedOff", now: T0 + 1, scope: SCOPE, expiresAt: T0 + 60_000, escalation: "ask before main" },
    ]);
    expect(state.authority.conn).toEqual({
      holder: "first_mate",
      since: T0 + 1,
      expiresAt: T0 + 60_000,
      scope: SCOPE,
      escalation: "ask before main",
      firstMateAttempt: MARKER.attempt,
    });
    expect(connsStored(commands)).toEqual([state.authority.conn]);
    expect(logTexts(commands)[0]).toContain("conn handed to the first mate");
    const [notice] = emits(commands);
    expect(notice).toMatchObject({ paneId: MARKER.paneId, meta: { kind: "conn", holder: "first_mate" } });
    expect(commands).toContainEqual({ type: "timer.wakeAt", at: T0 + 60_000 });
    // Store commands come before the effects of the same step.
    expect(commands.findIndex((c) => c.type === "store.setConn")).toBeLessThan(
      commands.findIndex((c) => c.type === "channel.emit"),
    );
  });

  it("is refused with no first mate, and changes nothing", () => {
    const [started] = [
      run(initialState(DEFAULT_CONFIG), [{ type: "Started", now: T0, owner: "host", hydration: EMPTY_HYDRATION }])
        .state,
    ];
    const { state, commands } = run(started, [
      { type: "ConnHandedOff", now: T0 + 1, scope: SCOPE, expiresAt: T0 + 60_000 },
    ]);
    expect(state.authority.conn).toEqual(HUMAN_CONN);
    expect(connsStored(commands)).toEqual([]);
    expect(logTexts(commands)[0]).toContain("refused");
    expect(handOffConn(null, { now: 1, scope: SCOPE, expiresAt: 2 })).toMatchObject({ ok: false });
    expect(handOffConn(1, { now: 5, scope: SCOPE, expiresAt: 5 })).toMatchObject({ ok: false });
  });
});

describe("expiry", () => {
  it("hands the conn back at its expiry, with a log entry, a notice and an alert for the human", () => {
    const core = startedCore(heldConn({ expiresAt: T0 + 30_000 }));
    const before = run(core, [{ type: "Ticked", now: T0 + 29_999 }]);
    expect(before.state.authority.conn.holder).toBe("first_mate");
    const after = run(before.state, [{ type: "Ticked", now: T0 + 30_000 }]);
    expect(after.state.authority.conn).toEqual({ holder: "human", since: T0 + 30_000 });
    expect(connsStored(after.commands)).toEqual([{ holder: "human", since: T0 + 30_000 }]);
    expect(logTexts(after.commands)).toContain("conn returned to the human: it expired");
    expect(emits(after.commands)[0]).toMatchObject({ meta: { kind: "conn", holder: "human" } });
    expect(alerts(after.commands)[0]).toMatchObject({ code: "conn.returned" });
  });

  it("a stored conn that expired while the host was down is handed back at start", () => {
    const core = startedCore(heldConn({ expiresAt: T0 - 1 }));
    expect(core.authority.conn.holder).toBe("human");
  });

  it("authorize treats an expired conn as no conn and asks for it to go back", () => {
    const verdict = authorize(
      { kind: "spawn_worker", target: { name: "helper-1" }, args: {} },
      {
        now: T0 + 60_000,
        conn: heldConn({ expiresAt: T0 + 60_000 }),
        usage: { percent: 10, resetsAt: null },
        budget: DEFAULT_BUDGET_POLICY,
        prohibitions: DEFAULT_PROHIBITIONS,
        firstMatePaneId: MARKER.paneId,
      },
    );
    expect(verdict).toMatchObject({ decision: "propose", handBack: "expired" });
    expect(expireConn(heldConn({ expiresAt: 10 }), 9).logText).toBeNull();
  });
});

describe("take-back", () => {
  it("returns the conn to the human, logged and told, without alerting the human who did it", () => {
    const core = startedCore(heldConn());
    const { state, commands } = run(core, [{ type: "ConnTakenBack", now: T0 + 5 }]);
    expect(state.authority.conn).toEqual({ holder: "human", since: T0 + 5 });
    expect(logTexts(commands)).toContain("conn returned to the human: the human took it back");
    expect(emits(commands)).toHaveLength(1);
    expect(alerts(commands)).toHaveLength(0);
  });

  it("taking back a conn the human holds changes and logs nothing", () => {
    const core = startedCore();
    const { state, commands } = run(core, [{ type: "ConnTakenBack", now: T0 + 5 }]);
    expect(state.authority.conn.holder).toBe("human");
    expect(commands).toEqual([]);
  });
});

describe("out-of-scope actions", () => {
  const context = {
    now: T0 + 10,
    conn: heldConn({ scope: { actions: ["spawn_worker", "terminate"], targets: ["helper-*", "%6"] } }),
    usage: { percent: 20, resetsAt: null },
    budget: DEFAULT_BUDGET_POLICY,
    prohibitions: DEFAULT_PROHIBITIONS,
    firstMatePaneId: MARKER.paneId,
  };

  it("within scope: allowed", () => {
    expect(authorize({ kind: "spawn_worker", target: { name: "helper-2" }, args: {} }, context)).toEqual({
      decision: "allow",
    });
    expect(authorize({ kind: "terminate", target: { paneId: pid(6), name: "docs" }, args: {} }, context)).toEqual({
      decision: "allow",
    });
  });

  it("another kind or another target: a proposal that hands the conn back", () => {
    const actions: AuthorityAction[] = [
      { kind: "assign_task", target: { paneId: pid(6) }, args: { task: "x" } },
      { kind: "spawn_worker", target: { name: "api-2" }, args: {} },
      { kind: "terminate", target: { paneId: pid(5), name: "api" }, args: {} },
      { kind: "merge_pr", target: {}, args: { pr: "3", protected: "false" } },
    ];
    for (const action of actions) {
      expect(authorize(action, context)).toMatchObject({ decision: "propose", handBack: "out_of_scope" });
    }
    expect(scopeCovers({ actions: ["terminate"], targets: ["*"] }, { kind: "terminate", target: {}, args: {} })).toBe(
      true,
    );
  });

  it("the proposal event hands the conn back through step, logged and raised to the human", () => {
    const core = startedCore(heldConn());
    const { state, commands } = run(core, [
      {
        type: "ActionProposed",
        now: T0 + 20,
        action: { kind: "assign_task", target: { paneId: pid(6) }, args: { task: "x" } },
        reason: "outside the conn's scope",
        proposalId: 4,
        handBack: "out_of_scope",
      },
    ]);
    expect(state.authority.conn.holder).toBe("human");
    expect(logTexts(commands).some((text) => text.startsWith("proposal #4"))).toBe(true);
    expect(logTexts(commands).some((text) => text.includes("outside its scope"))).toBe(true);
    expect(alerts(commands).map((alert) => alert.type === "alert.raise" && alert.code)).toEqual([
      "authority.proposal",
      "conn.returned",
    ]);
  });

  it("without the conn, a conn-gated action is a proposal that changes no holder", () => {
    expect(
      authorize({ kind: "terminate", target: { paneId: pid(5) }, args: {} }, { ...context, conn: HUMAN_CONN }),
    ).toEqual({ decision: "propose", reason: "the human holds the conn", handBack: null });
  });

  it("standing actions are allowed in every conn state; acting on its own pane never is", () => {
    expect(authorize({ kind: "peek", target: { paneId: pid(5) }, args: {} }, { ...context, conn: HUMAN_CONN })).toEqual(
      {
        decision: "allow",
      },
    );
    expect(authorize({ kind: "terminate", target: { paneId: MARKER.paneId }, args: {} }, context)).toMatchObject({
      decision: "deny",
    });
  });
});
