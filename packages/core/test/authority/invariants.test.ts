import fc from "fast-check";
import { describe, it } from "vitest";
import { authorize } from "../../src/authority/authorize.js";
import { DEFAULT_BUDGET_POLICY } from "../../src/authority/budgetStewardship.js";
import { type Conn, dropConnOnRestart } from "../../src/authority/conn.js";
import { DEFAULT_PROHIBITIONS } from "../../src/authority/prohibition.js";
import type { CoreState } from "../../src/state.js";
import { cheapExpect } from "../cheapExpect.js";
import { deepFrozen, pid, T0 } from "../support.js";
import {
  connArb,
  connsStored,
  FLEET,
  heldConn,
  logTexts,
  MARKER,
  prohibitedActionArb,
  run,
  startedCore,
  usageArb,
} from "./authoritySupport.js";

describe("invariant 9", () => {
  it("invariant 9: prohibited actions are denied in every conn and budget state", () => {
    fc.assert(
      fc.property(
        prohibitedActionArb,
        connArb,
        usageArb,
        fc.integer({ min: 0, max: T0 * 2 }),
        fc.option(fc.constantFrom(pid(1), pid(9)), { nil: null }),
        (action, conn, usage, now, firstMatePaneId) => {
          const verdict = authorize(action, {
            now,
            conn,
            usage,
            budget: DEFAULT_BUDGET_POLICY,
            prohibitions: DEFAULT_PROHIBITIONS,
            firstMatePaneId,
          });
          cheapExpect(verdict.decision).toBe("deny");
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("invariant 9: a conn whose scope names the prohibited action still cannot run it (through the tool path's step)", () => {
    fc.assert(
      fc.property(prohibitedActionArb, usageArb, (action, usage) => {
        const conn = heldConn({ scope: { actions: ["spawn_worker", "assign_task", "terminate"], targets: ["*"] } });
        const verdict = authorize(action, {
          now: T0,
          conn,
          usage,
          budget: DEFAULT_BUDGET_POLICY,
          prohibitions: DEFAULT_PROHIBITIONS,
          firstMatePaneId: MARKER.paneId,
        });
        cheapExpect(verdict).toMatchObject({ decision: "deny" });
      }),
      { numRuns: 1000 },
    );
  });

  it("an extended prohibition list is honoured the same way", () => {
    const extra = {
      id: "drop-tables",
      description: "drop a database table",
      kinds: ["*"],
      args: [{ arg: "*", pattern: String.raw`\bdrop\s+table\b`, flags: "i" }],
    };
    fc.assert(
      fc.property(connArb, usageArb, (conn, usage) => {
        const verdict = authorize(
          { kind: "assign_task", target: { paneId: pid(5) }, args: { task: "then DROP TABLE users" } },
          {
            now: T0,
            conn,
            usage,
            budget: DEFAULT_BUDGET_POLICY,
            prohibitions: [...DEFAULT_PROHIBITIONS, extra],
            firstMatePaneId: null,
          },
        );
        cheapExpect(verdict).toMatchObject({ decision: "deny", prohibition: "drop-tables" });
      }),
      { numRuns: 1000 },
    );
  });
});

describe("invariant 10", () => {
  it("invariant 10: a restart always drops the conn (the decision)", () => {
    fc.assert(
      fc.property(connArb, fc.nat(), fc.option(fc.integer({ min: 0, max: 9 }), { nil: null }), (conn, now, attempt) => {
        const dropped = dropConnOnRestart(conn, now, attempt);
        if (conn.holder === "first_mate" && conn.firstMateAttempt !== attempt) {
          cheapExpect(dropped.conn.holder).toBe("human");
          cheapExpect(dropped.logText).toContain("restarted");
        } else {
          cheapExpect(dropped.conn).toEqual(conn);
        }
      }),
      { numRuns: 1000 },
    );
  });

  /** The ways a first mate's life ends, as events the core sees. */
  const restartArb = fc.constantFrom("pane gone", "pane dead", "host restart with another attempt");
  /** Started cores by conn (a state is a value: each run starts from the same one without building it again). */
  const started = new Map<string, CoreState>();
  const startedOnce = (conn: Conn): CoreState => {
    const key = JSON.stringify(conn);
    const known = started.get(key);
    if (known !== undefined) return known;
    const core = deepFrozen(startedCore(conn));
    started.set(key, core);
    return core;
  };

  it("invariant 10: a restart always drops the conn (through step, stored and logged)", () => {
    fc.assert(
      fc.property(
        restartArb,
        fc.integer({ min: 1, max: 600_000 }),
        fc.subarray(["spawn_worker", "assign_task", "terminate"] as const, { minLength: 1 }),
        (restart, lifetimeMs, actions) => {
          const conn = heldConn({ expiresAt: T0 + 10 * 600_000, scope: { actions, targets: ["*"] } });
          if (restart === "host restart with another attempt") {
            const core = startedOnce(
              heldConn({
                expiresAt: T0 + 6_000_000,
                scope: { actions, targets: ["*"] },
                firstMateAttempt: MARKER.attempt - 1,
              }),
            );
            cheapExpect(core.authority.conn.holder).toBe("human");
            return;
          }
          const core = startedOnce(conn);
          cheapExpect(core.authority.conn.holder).toBe("first_mate");
          const now = T0 + lifetimeMs;
          const ticked = run(core, [{ type: "Ticked", now }]);
          const panes =
            restart === "pane gone"
              ? FLEET.filter((pane) => pane.paneId !== MARKER.paneId)
              : FLEET.map((pane) => (pane.paneId === MARKER.paneId ? { ...pane, dead: true } : pane));
          const observeId = ticked.state.observe.inFlight?.id ?? 0;
          const after = run(ticked.state, [{ type: "FleetObserved", now, observeId, panes }]);
          cheapExpect(after.state.supervisor.marker?.attempt ?? null).not.toBe(MARKER.attempt);
          cheapExpect(after.state.authority.conn.holder).toBe("human");
          cheapExpect(connsStored(after.commands).at(-1)?.holder).toBe("human");
          cheapExpect(logTexts(after.commands).some((text) => text.includes("first mate restarted"))).toBe(true);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
