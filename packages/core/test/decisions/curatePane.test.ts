import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildDigest } from "../../src/decisions/buildDigest.js";
import { curatePane } from "../../src/decisions/curatePane.js";
import { fleetArb, observationArb, T0 } from "../../src/testing/arbitraries.js";
import { cheapExpect } from "../cheapExpect.js";
import { observation, pid } from "../support.js";

const context = {
  now: T0,
  firstMatePaneId: null,
  inputs: { panes: {}, usage: { percent: null, resetsAt: null } },
  alerts: {},
};

describe("curatePane", () => {
  it("builds the row from the observation, the embedder's input and the newest alert", () => {
    const row = curatePane(observation(3, { windowName: "api", title: "pane title", lastActivityAt: T0 - 61_500 }), {
      now: T0,
      input: { statusLine: "running tests", pr: 12, ci: "pending" },
      alert: { paneId: pid(3), kind: "need_human", message: "approve?", raisedAt: T0 },
    });
    expect(row).toEqual({
      handle: "%3",
      name: "api",
      session: "work",
      agent: "claude",
      status: "running tests",
      blocked: true,
      pr: 12,
      ci: "pending",
      idleS: 61,
    });
  });

  it("falls back to the pane title, and is unblocked unless the newest alert needs a human", () => {
    const row = curatePane(observation(3, { title: "pane title" }), {
      now: T0,
      alert: { paneId: pid(3), kind: "done", message: "finished", raisedAt: T0 },
    });
    expect(row?.status).toBe("pane title");
    expect(row?.blocked).toBe(false);
    expect(row?.pr).toBeNull();
    expect(row?.ci).toBeNull();
  });

  it("is null for panes that run no agent", () => {
    expect(curatePane(observation(1, { command: "bash" }), { now: T0 })).toBeNull();
    expect(curatePane(observation(1, { command: "/usr/local/bin/codex --yolo" }), { now: T0 })?.agent).toBe("codex");
  });

  it("idleS is never negative, even when tmux's clock runs ahead", () => {
    expect(curatePane(observation(1, { lastActivityAt: T0 + 60_000 }), { now: T0 })?.idleS).toBe(0);
    fc.assert(
      fc.property(observationArb(), fc.integer({ min: T0 - 10_000_000, max: T0 + 10_000_000 }), (pane, now) => {
        const row = curatePane({ ...pane, command: "claude" }, { now });
        cheapExpect(row!.idleS).toBeGreaterThanOrEqual(0);
        cheapExpect(Number.isInteger(row!.idleS)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});

describe("buildDigest", () => {
  it("keeps live agent panes only, sorted numerically, and excludes the first mate", () => {
    const panes = [
      observation(10),
      observation(2),
      observation(3, { command: "vim" }),
      observation(4, { dead: true }),
      observation(7, { windowName: "first-mate" }),
    ];
    const digest = buildDigest(panes, { ...context, firstMatePaneId: "%7" });
    expect(digest.panes.map((row) => row.handle)).toEqual(["%2", "%10"]);
    expect(digest.at).toBe(T0);
  });

  it("carries the usage snapshot as the budget, unknown when absent", () => {
    expect(buildDigest([], context).budget).toEqual({ percent: null, resetsAt: null });
    const usage = { percent: 42, resetsAt: T0 + 1000 };
    expect(buildDigest([], { ...context, inputs: { panes: {}, usage } }).budget).toEqual(usage);
  });

  it("never contains the first mate's pane, whatever the fleet", () => {
    fc.assert(
      fc.property(fleetArb({ maxPanes: 8 }), fc.nat(), (panes, index) => {
        const firstMate = panes.length === 0 ? null : panes[index % panes.length]!.paneId;
        const digest = buildDigest(panes, { ...context, firstMatePaneId: firstMate });
        cheapExpect(digest.panes.some((row) => row.handle === firstMate)).toBe(false);
        const handles = digest.panes.map((row) => Number(row.handle.slice(1)));
        cheapExpect(handles).toEqual([...handles].sort((a, b) => a - b));
      }),
      { numRuns: 1000 },
    );
  });
});
