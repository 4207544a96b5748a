import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Change, diverge } from "../../src/decisions/diverge.js";
import type { FleetDigest, PaneDigest } from "../../src/domain/digest.js";
import { ciArb, fleetDigestArb } from "../../src/testing/arbitraries.js";
import { cheapExpect } from "../cheapExpect.js";
import { digestOf, paneRow, THRESHOLDS } from "../support.js";

const types = (changes: Change[]) => changes.map((change) => change.type);

describe("diverge truth table", () => {
  it("first sight when there is no previous picture", () => {
    expect(diverge(null, digestOf([paneRow(1)]), THRESHOLDS)).toEqual([{ type: "first_sight" }]);
    expect(diverge(null, digestOf([]), THRESHOLDS)).toEqual([{ type: "first_sight" }]);
  });

  it("a pane that appears or goes is reported with its row", () => {
    const one = digestOf([paneRow(1)]);
    const two = digestOf([paneRow(1), paneRow(2)]);
    expect(diverge(one, two, THRESHOLDS)).toEqual([{ type: "appeared", pane: paneRow(2) }]);
    expect(diverge(two, one, THRESHOLDS)).toEqual([{ type: "gone", pane: paneRow(2) }]);
  });

  it("blocked and unblocked", () => {
    const free = digestOf([paneRow(1)]);
    const stuck = digestOf([paneRow(1, { blocked: true })]);
    expect(diverge(free, stuck, THRESHOLDS)).toEqual([{ type: "blocked", pane: paneRow(1, { blocked: true }) }]);
    expect(diverge(stuck, free, THRESHOLDS)).toEqual([{ type: "unblocked", pane: paneRow(1) }]);
  });

  it("status changed carries from and to", () => {
    const changes = diverge(digestOf([paneRow(1)]), digestOf([paneRow(1, { status: "testing" })]), THRESHOLDS);
    expect(changes).toEqual([
      { type: "status", pane: paneRow(1, { status: "testing" }), from: "working", to: "testing" },
    ]);
  });

  it("PR changed, including to and from none", () => {
    const none = digestOf([paneRow(1)]);
    const pr7 = digestOf([paneRow(1, { pr: 7 })]);
    const pr8 = digestOf([paneRow(1, { pr: 8 })]);
    expect(diverge(none, pr7, THRESHOLDS)).toEqual([{ type: "pr", pane: paneRow(1, { pr: 7 }), from: null, to: 7 }]);
    expect(diverge(pr7, pr8, THRESHOLDS)).toEqual([{ type: "pr", pane: paneRow(1, { pr: 8 }), from: 7, to: 8 }]);
    expect(diverge(pr8, none, THRESHOLDS)).toEqual([{ type: "pr", pane: paneRow(1), from: 8, to: null }]);
  });

  it("CI changed, every transition", () => {
    const states = [null, "red", "pending", "green"] as const;
    for (const from of states) {
      for (const to of states) {
        const changes = diverge(digestOf([paneRow(1, { ci: from })]), digestOf([paneRow(1, { ci: to })]), THRESHOLDS);
        expect(changes).toEqual(from === to ? [] : [{ type: "ci", pane: paneRow(1, { ci: to }), from, to }]);
      }
    }
  });

  it("idle is entered exactly at the threshold, not a second before", () => {
    const at = (idleS: number) => digestOf([paneRow(1, { idleS })]);
    expect(diverge(at(0), at(299), THRESHOLDS)).toEqual([]);
    expect(types(diverge(at(0), at(300), THRESHOLDS))).toEqual(["idle_entered"]);
    expect(types(diverge(at(299), at(301), THRESHOLDS))).toEqual(["idle_entered"]);
    expect(diverge(at(300), at(3000), THRESHOLDS)).toEqual([]);
    expect(types(diverge(at(300), at(299), THRESHOLDS))).toEqual(["idle_left"]);
    expect(types(diverge(at(5000), at(0), THRESHOLDS))).toEqual(["idle_left"]);
  });

  it("budget moves are material at the step, not below, and only when both are known", () => {
    const budget = (percent: number | null) => digestOf([], { percent });
    expect(diverge(budget(40), budget(44), THRESHOLDS)).toEqual([]);
    expect(diverge(budget(40), budget(44.99), THRESHOLDS)).toEqual([]);
    expect(diverge(budget(40), budget(45), THRESHOLDS)).toEqual([{ type: "budget", from: 40, to: 45 }]);
    expect(diverge(budget(40), budget(46), THRESHOLDS)).toEqual([{ type: "budget", from: 40, to: 46 }]);
    expect(diverge(budget(40), budget(35), THRESHOLDS)).toEqual([{ type: "budget", from: 40, to: 35 }]);
    expect(diverge(budget(null), budget(90), THRESHOLDS)).toEqual([]);
    expect(diverge(budget(90), budget(null), THRESHOLDS)).toEqual([]);
    expect(diverge(budget(null), budget(null), THRESHOLDS)).toEqual([]);
  });

  it("the timestamp, reset time and names are never material", () => {
    const before = digestOf([paneRow(1, { idleS: 10 })], { percent: 40, resetsAt: 1 }, 1);
    const after = digestOf([paneRow(1, { idleS: 250 })], { percent: 43, resetsAt: 2 }, 999_999);
    expect(diverge(before, after, THRESHOLDS)).toEqual([]);
  });

  it("two simultaneous changes are both reported", () => {
    const before = digestOf([paneRow(1), paneRow(2)]);
    const after = digestOf([paneRow(1, { blocked: true }), paneRow(2, { status: "done" })]);
    expect(types(diverge(before, after, THRESHOLDS))).toEqual(["blocked", "status"]);
  });

  it("every change of one pane is reported, not only the first", () => {
    const before = digestOf([paneRow(1)], { percent: 10 });
    const after = digestOf([paneRow(1, { blocked: true, status: "stuck", pr: 3, ci: "red", idleS: 900 }), paneRow(2)], {
      percent: 50,
    });
    expect(types(diverge(before, after, THRESHOLDS))).toEqual([
      "blocked",
      "status",
      "pr",
      "ci",
      "idle_entered",
      "appeared",
      "budget",
    ]);
  });
});

type MaterialEdit = (pane: PaneDigest) => PaneDigest;

/** One material field change applied to one pane; each is a change diverge must see. */
const materialEditArb: fc.Arbitrary<{ name: string; edit: MaterialEdit }> = fc.oneof(
  fc.constant({ name: "blocked", edit: (pane: PaneDigest) => ({ ...pane, blocked: !pane.blocked }) }),
  fc.string({ maxLength: 20 }).map((suffix) => ({
    name: "status",
    edit: (pane: PaneDigest) => ({ ...pane, status: `${pane.status}!${suffix}` }),
  })),
  fc.integer({ min: 1, max: 5000 }).map((pr) => ({
    name: "pr",
    edit: (pane: PaneDigest) => ({ ...pane, pr: pane.pr === pr ? (pr === 5000 ? 1 : pr + 1) : pr }),
  })),
  ciArb.map((ci) => ({
    name: "ci",
    edit: (pane: PaneDigest) => ({ ...pane, ci: pane.ci === ci ? (ci === null ? "red" : null) : ci }),
  })),
  fc.constant({
    name: "idle",
    edit: (pane: PaneDigest) => ({ ...pane, idleS: pane.idleS >= 300 ? 0 : 300 + pane.idleS }),
  }),
);

describe("invariant 4", () => {
  it("invariant 4: diverge(d, d) is empty", () => {
    fc.assert(
      fc.property(fleetDigestArb({ maxPanes: 6 }), (digest) => {
        cheapExpect(diverge(digest, digest, THRESHOLDS)).toEqual([]);
        // A structurally equal copy (another push of the same picture) is empty too.
        cheapExpect(diverge(structuredClone(digest), digest, THRESHOLDS)).toEqual([]);
      }),
      { numRuns: 1000 },
    );
  });

  it("invariant 4: a single material field change always shows", () => {
    fc.assert(
      fc.property(
        fleetDigestArb({ maxPanes: 6 }).filter((digest) => digest.panes.length > 0),
        fc.nat(),
        materialEditArb,
        (digest: FleetDigest, index, { edit }) => {
          const target = index % digest.panes.length;
          const changed = { ...digest, panes: digest.panes.map((pane, i) => (i === target ? edit(pane) : pane)) };
          const changes = diverge(digest, changed, THRESHOLDS);
          cheapExpect(changes).toHaveLength(1);
          const change = changes[0]!;
          cheapExpect("pane" in change && change.pane.handle).toBe(digest.panes[target]!.handle);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("invariant 4: a pane added or removed always shows, and a budget step always shows", () => {
    fc.assert(
      fc.property(fleetDigestArb({ maxPanes: 6 }), fc.integer({ min: 0, max: 95 }), (digest, percent) => {
        const removedOne = { ...digest, panes: digest.panes.slice(1) };
        if (digest.panes.length > 0) cheapExpect(types(diverge(digest, removedOne, THRESHOLDS))).toEqual(["gone"]);
        if (digest.panes.length > 0) cheapExpect(types(diverge(removedOne, digest, THRESHOLDS))).toEqual(["appeared"]);
        const low = { ...digest, budget: { ...digest.budget, percent } };
        const high = { ...digest, budget: { ...digest.budget, percent: percent + 5 } };
        cheapExpect(types(diverge(low, high, THRESHOLDS))).toEqual(["budget"]);
      }),
      { numRuns: 1000 },
    );
  });
});
