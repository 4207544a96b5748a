/**
 * The rows written for a changed table of folded repeats are read from the
 * two tables themselves: the same rows, in the same order, as a diff of the
 * two tables' entries (the reference below) — new and changed first, in the
 * new table's order, then the gone ones.
 */
import fc from "fast-check";
import { describe, it } from "vitest";
import { INITIAL_INTERRUPTS, type InterruptState, OVERFLOW_REPEAT_KEY } from "../src/decisions/interrupts.js";
import type { FoldedRepeat } from "../src/decisions/renderDelta.js";
import { interruptTableChanges } from "../src/durableTables.js";
import { cheapExpect } from "./cheapExpect.js";

type Repeats = Readonly<Record<string, FoldedRepeat>>;

const referenceRows = (before: Repeats, after: Repeats): { key: string; repeat: FoldedRepeat | null }[] => {
  const old = new Map(Object.entries(before));
  const now = new Map(Object.entries(after));
  const rows: { key: string; repeat: FoldedRepeat | null }[] = [];
  for (const [key, repeat] of now) {
    const was = old.get(key);
    const same =
      was !== undefined &&
      was.count === repeat.count &&
      was.message === repeat.message &&
      was.source === repeat.source &&
      was.kind === repeat.kind;
    if (!same) rows.push({ key, repeat });
  }
  for (const key of old.keys()) if (!now.has(key)) rows.push({ key, repeat: null });
  return rows;
};

const repeatArb = fc.record({
  source: fc.constantFrom("%1", "%2"),
  kind: fc.constantFrom("report", "need_human"),
  message: fc.constantFrom("a", "b"),
  count: fc.integer({ min: 1, max: 3 }),
});
const keyArb = fc.constantFrom(
  "%1\u0000report\u0000a",
  "%2\u0000need_human\u0000b",
  "%3\u0000report\u0000c",
  OVERFLOW_REPEAT_KEY,
);
const repeatsArb = fc.dictionary(keyArb, repeatArb, { maxKeys: 4 });

const withRepeats = (repeats: Repeats): InterruptState => ({ ...INITIAL_INTERRUPTS, repeats });

describe("the rows of a changed repeat table", () => {
  it("are those of a diff of the two tables' entries, in its order", () => {
    fc.assert(
      fc.property(repeatsArb, repeatsArb, fc.boolean(), (before, drawn, edit) => {
        // Often the new table is the old one edited (a fold, a push settled), as a step makes it.
        const after = edit ? { ...before, ...drawn } : drawn;
        const changes = interruptTableChanges(withRepeats(before), withRepeats(after));
        const rows = referenceRows(before, after);
        cheapExpect(changes?.repeats ?? []).toEqual(rows);
        cheapExpect(changes === null).toBe(rows.length === 0);
      }),
      { numRuns: 1000 },
    );
  });
});
