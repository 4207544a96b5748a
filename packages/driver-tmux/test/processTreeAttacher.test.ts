/** Process trees attached tick after tick: the same result object while neither the row nor the tree changed. */
import type { PaneId, PaneObservation, PaneProcess } from "@first-mate/core";
import { describe, expect, it } from "vitest";
import { attachProcessTrees, createProcessTreeAttacher } from "../src/processDriver.js";
import type { ProcessTable } from "../src/processTable.js";
import { countingTable } from "./countingTable.js";

const process = (pid: number, parentPid: number, argv: string[]): PaneProcess => ({
  pid,
  parentPid,
  sessionId: 1,
  startTime: "1",
  argv,
});
const table = (processes: PaneProcess[]): ProcessTable => {
  const childrenOf = new Map<number, number[]>();
  for (const row of processes) childrenOf.set(row.parentPid, [...(childrenOf.get(row.parentPid) ?? []), row.pid]);
  return { byPid: new Map(processes.map((row) => [row.pid, row])), childrenOf };
};
const pane = (paneId: string, pid: number): PaneObservation => ({
  paneId: paneId as PaneId,
  session: "s",
  windowIndex: 0,
  windowName: "w",
  title: "",
  command: "node",
  pid,
  dead: false,
  lastActivityAt: 0,
});

describe("process trees attached across ticks", () => {
  it("an unchanged row and tree give the same object; a new process in the tree gives a new one", () => {
    const attach = createProcessTreeAttacher();
    const wrapper = process(10, 1, ["node", "codex.js"]);
    const panes = [pane("%1", 10), pane("%2", 99)];
    const first = attach(panes, table([wrapper]));
    expect(first).toEqual(attachProcessTrees(panes, table([wrapper])));
    const second = attach(panes, table([wrapper]));
    expect(second[0]).toBe(first[0]);
    // No tree: the pane as listed.
    expect(second[1]).toBe(panes[1]);
    const child = process(11, 10, ["codex"]);
    const third = attach(panes, table([wrapper, child]));
    expect(third[0]).not.toBe(first[0]);
    expect(third).toEqual(attachProcessTrees(panes, table([wrapper, child])));
    // A new row for the pane (another object) is attached afresh.
    const moved = [{ ...panes[0]!, title: "busy" }];
    expect(attach(moved, table([wrapper, child]))[0]).toEqual(attachProcessTrees(moved, table([wrapper, child]))[0]);
    expect(attach(moved, table([wrapper, child]))[0]).not.toBe(third[0]);
  });

  it("the same table again walks no tree: an unchanged row keeps its result without a lookup", () => {
    const attach = createProcessTreeAttacher();
    const panes = [pane("%1", 10), pane("%2", 20)];
    const { table: counted, lookups } = countingTable(
      table([process(10, 1, ["sh"]), process(11, 10, ["codex"]), process(20, 1, ["node"])]),
    );
    const first = attach(panes, counted);
    expect(lookups()).toBeGreaterThan(0);
    const before = lookups();
    const second = attach(panes, counted);
    expect(lookups()).toBe(before);
    expect(second).toEqual(first);
    expect(second[0]).toBe(first[0]);
    // A new row in the same table is attached afresh.
    const moved = [{ ...panes[0]!, title: "busy" }, panes[1]!];
    expect(attach(moved, counted)[0]).toEqual({ ...moved[0], processes: [["sh"], ["codex"]] });
    expect(lookups()).toBeGreaterThan(before);
  });
});
