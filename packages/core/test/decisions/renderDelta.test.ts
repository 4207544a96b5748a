import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Change, diverge } from "../../src/decisions/diverge.js";
import { renderDelta } from "../../src/decisions/renderDelta.js";
import { fleetDigestArb } from "../../src/testing/arbitraries.js";
import { cheapExpect } from "../cheapExpect.js";
import { digestOf, paneRow, THRESHOLDS } from "../support.js";

const CAP = 4096;
const bytes = (text: string) => new TextEncoder().encode(text).length;
const itemLines = (text: string) => text.split("\n").slice(1);

describe("renderDelta", () => {
  it("orders items by priority: blocked, CI red, repeats, gone, appeared, status, other, idle, budget", () => {
    const digest = digestOf([paneRow(1, { blocked: true }), paneRow(2, { ci: "red", pr: 9 })], { percent: 50 });
    const changes: Change[] = [
      { type: "budget", from: 40, to: 50 },
      { type: "idle_entered", pane: paneRow(6, { idleS: 400 }) },
      { type: "pr", pane: paneRow(5, { pr: 4 }), from: null, to: 4 },
      { type: "status", pane: paneRow(4, { status: "testing" }), from: "working", to: "testing" },
      { type: "appeared", pane: paneRow(3) },
      { type: "gone", pane: paneRow(7) },
      { type: "ci", pane: paneRow(2, { ci: "red", pr: 9 }), from: "pending", to: "red" },
      { type: "blocked", pane: paneRow(1, { blocked: true, status: "need approval" }) },
    ];
    const text = renderDelta(changes, digest, {
      capBytes: CAP,
      repeats: [{ source: "%8", kind: "need_human", message: "asked", count: 4 }],
      notes: ["a note"],
    });
    const lines = itemLines(text);
    expect(lines.map((line) => line.split(" ")[1])).toEqual([
      "BLOCKED",
      "CI",
      "REPEATED",
      "GONE",
      "NEW",
      "%4",
      "%5",
      "IDLE",
      "BUDGET",
      "a",
    ]);
  });

  it("includes names and status text", () => {
    const text = renderDelta(
      [
        { type: "status", pane: paneRow(4, { name: "api", status: "testing" }), from: "working", to: "testing" },
        { type: "blocked", pane: paneRow(1, { name: "web", blocked: true, status: "may I push?" }) },
      ],
      digestOf([paneRow(1, { name: "web", blocked: true }), paneRow(4, { name: "api" })]),
      { capBytes: CAP },
    );
    expect(text).toContain('BLOCKED %1 web (claude) needs a human — "may I push?"');
    expect(text).toContain('%4 api (claude) "working" → "testing"');
    expect(text.split("\n")[0]).toBe("[fleet — 2 changes] 2 panes, 1 blocked, budget unknown");
  });

  it("renders folded repeats as counts", () => {
    const text = renderDelta([], digestOf([]), {
      capBytes: CAP,
      repeats: [{ source: "%5", kind: "need_human", message: "need approval", count: 4 }],
    });
    expect(text).toContain('REPEATED %5 need_human ×4 — "need approval"');
  });

  it("first sight renders the whole fleet", () => {
    const panes = [paneRow(1), paneRow(2, { blocked: true, pr: 3, ci: "green" }), paneRow(10, { name: "docs" })];
    const text = renderDelta([{ type: "first_sight" }], digestOf(panes, { percent: 20 }), { capBytes: CAP });
    const lines = itemLines(text);
    expect(text.split("\n")[0]).toBe("[fleet — full picture] 3 panes, 1 blocked, budget 20%");
    expect(lines).toHaveLength(3);
    expect(lines[0]).toContain("%2 w2 (claude) · BLOCKED · PR #3 CI green");
    expect(lines[1]).toContain("%1 w1 (claude)");
    expect(lines[2]).toContain("%10 docs (claude)");
  });

  it("caps at the size with '…and N more', never cutting an item", () => {
    const panes = Array.from({ length: 200 }, (_, i) => paneRow(i + 1, { status: `task number ${i} `.repeat(4) }));
    const changes: Change[] = panes.map((pane) => ({ type: "appeared", pane }));
    const text = renderDelta(changes, digestOf(panes), { capBytes: CAP });
    expect(bytes(text)).toBeLessThanOrEqual(CAP);
    const lines = itemLines(text);
    const last = lines[lines.length - 1]!;
    const more = /^…and (\d+) more$/.exec(last);
    expect(more).not.toBeNull();
    const shown = lines.slice(0, -1);
    expect(shown.length + Number(more![1])).toBe(200);
    // Every shown item is whole: it ends with its closing quote.
    for (const [i, line] of shown.entries()) expect(line).toBe(`- NEW ${descr(panes[i]!)}`);
  });

  it("a push that fits is never capped", () => {
    const panes = [paneRow(1), paneRow(2)];
    const text = renderDelta(
      panes.map((pane) => ({ type: "appeared", pane })),
      digestOf(panes),
      { capBytes: CAP },
    );
    expect(text).not.toContain("more");
    expect(itemLines(text)).toHaveLength(2);
  });

  it("is deterministic and within the cap for any divergence", () => {
    fc.assert(
      fc.property(
        fc.option(fleetDigestArb({ maxPanes: 8 }), { nil: null }),
        fleetDigestArb({ maxPanes: 8 }),
        fc.integer({ min: 256, max: 2048 }),
        (prev, cur, capBytes) => {
          const changes = diverge(prev, cur, THRESHOLDS);
          const once = renderDelta(changes, cur, { capBytes });
          cheapExpect(renderDelta(structuredClone(changes), structuredClone(cur), { capBytes })).toBe(once);
          cheapExpect(bytes(once)).toBeLessThanOrEqual(capBytes);
          const lines = itemLines(once);
          const tail = lines[lines.length - 1];
          const dropped = tail && /^…and (\d+) more$/.test(tail) ? Number(tail.split(" ")[1]) : 0;
          const expected = prev === null ? cur.panes.length : changes.length;
          cheapExpect(lines.length - (dropped > 0 ? 1 : 0) + dropped).toBe(expected);
        },
      ),
      { numRuns: 1000 },
    );
  });
});

const descr = (pane: ReturnType<typeof paneRow>) =>
  `${pane.handle} ${pane.name} (${pane.agent}) · idle ${pane.idleS}s — "${pane.status.replace(/\s+/g, " ").trim()}"`;
