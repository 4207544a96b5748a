/**
 * Whose inputs are they (src/domain/paneInputOwners.ts): literal listings
 * for each rule — the pane listed under the id, a pane not listed yet on the
 * same or another tmux server, and no listing at all.
 */
import { describe, expect, it } from "vitest";
import type { FleetInputs } from "../../src/domain/observation.js";
import { inputOwner, keepInputsOfListedPanes } from "../../src/domain/paneInputOwners.js";

const S1 = { pid: 10, startedAt: 1_000 };
const S2 = { pid: 20, startedAt: 2_000 };
const row = (paneId: string, pid: number | null, tmuxServer = S1) => ({ paneId, pid, tmuxServer });
const given = (...paneIds: string[]): FleetInputs => ({
  panes: Object.fromEntries(paneIds.map((paneId) => [paneId, { ci: "red" as const }])),
  usage: { percent: null, resetsAt: null },
});

describe("inputOwner", () => {
  it("is the pane the last listing shows under the id", () => {
    expect(inputOwner([row("%1", 111)], "%1")).toEqual({ panePid: 111, tmuxServer: S1 });
  });
  it("is a pane not listed yet on the last listing's server when the id is not in it", () => {
    expect(inputOwner([row("%1", 111)], "%2")).toEqual({ panePid: null, tmuxServer: S1 });
  });
  it("is unknown before any listing", () => {
    expect(inputOwner([], "%1")).toEqual({ panePid: null, tmuxServer: null });
  });
});

describe("keepInputsOfListedPanes", () => {
  const before = [row("%1", 111)];

  it("keeps inputs while the id names their pane", () => {
    const owners = { "%1": inputOwner(before, "%1") };
    const kept = keepInputsOfListedPanes(given("%1"), owners, before, [row("%1", 111)]);
    expect(Object.keys(kept.inputs.panes)).toEqual(["%1"]);
  });

  it("drops inputs given for a listed pane once the id names another process on another server", () => {
    const owners = { "%1": inputOwner(before, "%1") };
    const kept = keepInputsOfListedPanes(given("%1"), owners, before, [row("%1", 999, S2)]);
    expect(kept.inputs.panes).toEqual({});
    expect(kept.owners).toEqual({});
  });

  it("drops inputs of a pane that is gone", () => {
    const owners = { "%1": inputOwner(before, "%1") };
    expect(keepInputsOfListedPanes(given("%1"), owners, before, [row("%2", 222)]).inputs.panes).toEqual({});
  });

  it("binds inputs of a pane not listed yet to the first pane listed under the id on the same server", () => {
    const owners = { "%2": inputOwner(before, "%2") };
    const kept = keepInputsOfListedPanes(given("%2"), owners, before, [row("%1", 111), row("%2", 222)]);
    expect(Object.keys(kept.inputs.panes)).toEqual(["%2"]);
    expect(kept.owners).toEqual({ "%2": { panePid: 222, tmuxServer: S1 } });
  });

  it("keeps inputs of a pane not listed yet while the same server's listings do not show it", () => {
    const owners = { "%2": inputOwner(before, "%2") };
    const kept = keepInputsOfListedPanes(given("%2"), owners, before, [row("%1", 111)]);
    expect(kept.owners).toEqual({ "%2": { panePid: null, tmuxServer: S1 } });
  });

  it("drops inputs of a pane not listed yet once a listing is of another server, whether or not it shows the id", () => {
    const owners = { "%2": inputOwner(before, "%2") };
    expect(keepInputsOfListedPanes(given("%2"), owners, before, [row("%2", 222, S2)]).inputs.panes).toEqual({});
    expect(keepInputsOfListedPanes(given("%2"), owners, before, [row("%1", 333, S2)]).inputs.panes).toEqual({});
  });

  it("lets the first listing decide for inputs given before any listing", () => {
    const owners = { "%1": inputOwner([], "%1") };
    const kept = keepInputsOfListedPanes(given("%1"), owners, [], [row("%1", 555, S2)]);
    expect(kept.owners).toEqual({ "%1": { panePid: 555, tmuxServer: S2 } });
  });

  it("regression: inputs given before any listing showed a pane await it on the first server listed since, so a tmux server restart before it shows them drops them", () => {
    const owners = { "%2": inputOwner([], "%2") };
    // A listing of the first mate alone: %2 (given for a worker killed since) is not in it.
    const awaiting = keepInputsOfListedPanes(given("%2"), owners, [], [row("%1", 111)]);
    expect(awaiting.owners).toEqual({ "%2": { panePid: null, tmuxServer: S1 } });
    // The server restarts and numbers a new process %2: not the pane they were given for.
    const restarted = keepInputsOfListedPanes(awaiting.inputs, awaiting.owners, [row("%1", 111)], [row("%2", 222, S2)]);
    expect(restarted.inputs.panes).toEqual({});
  });

  it("takes inputs without a recorded owner for the pane the listing before showed", () => {
    expect(keepInputsOfListedPanes(given("%1"), {}, before, [row("%1", 999, S2)]).inputs.panes).toEqual({});
    expect(Object.keys(keepInputsOfListedPanes(given("%1"), {}, before, before).inputs.panes)).toEqual(["%1"]);
  });
});
