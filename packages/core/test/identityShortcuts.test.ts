/**
 * `step` takes shortcuts on identity: a quiet step keeps the same objects
 * (state parts, the last listing, agent records, digest rows) instead of
 * rebuilding equal ones. A shortcut may only ever save work: what `step`
 * returns depends on the data it is given, never on which objects carry it.
 *
 * - `sameListing`, which decides that an observation's listing is the last
 *   one again, says "same" exactly when the two listings are
 *   indistinguishable as data (a strict deep equality is the oracle);
 * - `diverge`, given two digests listing the same panes in order, compares
 *   each pane's rows where they stand: the changes are those it finds by
 *   looking each pane up (as it must when the lists differ);
 * - every step of a world's life returns what the same step returns on
 *   copies of its state and event: objects no shortcut or memo has seen.
 */
import { isDeepStrictEqual } from "node:util";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Change, diverge } from "../src/decisions/diverge.js";
import type { FleetDigest } from "../src/domain/digest.js";
import { type PaneObservation, PaneObservationSchema } from "../src/domain/observation.js";
import type { PaneId } from "../src/domain/paneId.js";
import { sameListing } from "../src/domain/sameListing.js";
import type { CoreState } from "../src/state.js";
import { step } from "../src/step.js";
import { agentKindArb, faultActionArb, fleetDigestArb, observationArb } from "../src/testing/arbitraries.js";
import { cheapExpect } from "./cheapExpect.js";
import { deepStrictEqual } from "./plainDeepEqual.js";
import { THRESHOLDS } from "./support.js";
import { runActions, startedWorld, type Transition, troubledActionArb } from "./worldSupport.js";

/** A listed pane, its optional fields each present or absent. */
const rowArb: fc.Arbitrary<PaneObservation> = fc
  .tuple(
    observationArb({ paneId: fc.constantFrom("%1", "%2", "%3") as fc.Arbitrary<PaneId> }),
    fc.record(
      {
        width: fc.nat(300),
        height: fc.nat(100),
        startCommand: fc.constantFrom("", "claude", "npx codex"),
        processes: fc.array(fc.array(fc.constantFrom("node", "claude", "--yes"), { maxLength: 3 }), { maxLength: 2 }),
        declaredAgent: agentKindArb,
        tmuxServer: fc.record({ pid: fc.integer({ min: 1, max: 3 }), startedAt: fc.nat(2) }),
      },
      { requiredKeys: [] },
    ),
  )
  .map(([row, optional]) => ({ ...row, ...optional }));

/** A change to one row of a copy: a field set to another row's value, a key dropped, or an `undefined` or `-0` put in. */
const rowChangeArb = fc.record({
  row: fc.nat(),
  field: fc.constantFrom(...(Object.keys(PaneObservationSchema.shape) as (keyof PaneObservation)[])),
  how: fc.constantFrom("other value", "drop key", "undefined", "negative zero", "unknown key"),
  other: rowArb,
});

type RowChange = typeof rowChangeArb extends fc.Arbitrary<infer T> ? T : never;

const changed = (listing: readonly PaneObservation[], change: RowChange): PaneObservation[] => {
  const copy = structuredClone(listing) as PaneObservation[];
  if (copy.length === 0) return copy;
  const index = change.row % copy.length;
  const row = copy[index] as unknown as Record<string, unknown>;
  switch (change.how) {
    case "other value":
      if (change.field in change.other) row[change.field] = structuredClone(change.other[change.field]);
      else delete row[change.field];
      break;
    case "drop key":
      delete row[change.field];
      break;
    case "undefined":
      row[change.field] = undefined;
      break;
    case "negative zero":
      if (row[change.field] === 0) row[change.field] = -0;
      break;
    case "unknown key":
      row.extra = undefined;
      break;
  }
  return copy;
};

/** A copy of `state` sharing no object with it but its configuration (an input `step` never changes). */
const copyOf = (state: CoreState): CoreState => ({
  ...structuredClone({ ...state, config: null }),
  config: state.config,
});

const stepOnCopies = ({ before, event }: Transition) => step(copyOf(before), structuredClone(event));

const recorded = ({ after, commands }: Transition) => [after, commands] as const;

const sameOnCopies = (transition: Transition): boolean =>
  deepStrictEqual(stepOnCopies(transition), recorded(transition));

const paneOf = (change: Change): string | null => ("pane" in change ? change.pane.handle : null);

/** `changes` regrouped by pane in the order `digest` lists its panes, the budget's last. */
const inPaneOrder = (changes: readonly Change[], digest: FleetDigest): Change[] => [
  ...digest.panes.flatMap((pane) => changes.filter((change) => paneOf(change) === pane.handle)),
  ...changes.filter((change) => paneOf(change) === null),
];

describe("identity shortcuts never change what step returns", () => {
  it("sameListing says same exactly when the listings are indistinguishable as data", () => {
    fc.assert(
      fc.property(
        fc.array(rowArb, { maxLength: 5 }),
        fc.oneof(
          { weight: 2, arbitrary: fc.constant(null) },
          { weight: 3, arbitrary: rowChangeArb },
          { weight: 1, arbitrary: fc.array(rowArb, { maxLength: 5 }) },
        ),
        (listing, variation) => {
          const other =
            variation === null
              ? structuredClone(listing)
              : Array.isArray(variation)
                ? variation
                : changed(listing, variation);
          cheapExpect(sameListing(listing, other)).toBe(isDeepStrictEqual(listing, other));
          cheapExpect(sameListing(other, listing)).toBe(isDeepStrictEqual(other, listing));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("diverge compares two digests listing the same panes in place, as it does when it looks each one up", () => {
    fc.assert(
      fc.property(fleetDigestArb({ maxPanes: 6 }), fleetDigestArb({ maxPanes: 6 }), (prev, other) => {
        // The same panes at the same places as `prev`, their rows drawn afresh where `other` has one.
        const cur: FleetDigest = {
          ...other,
          panes: prev.panes.map((pane, index) => {
            const row = other.panes[index];
            return row === undefined ? pane : { ...row, handle: pane.handle };
          }),
        };
        // Listed the other way round (not in pane order), each pane is looked up by its handle.
        const reversed = (digest: FleetDigest): FleetDigest => ({ ...digest, panes: [...digest.panes].reverse() });
        const lookedUp = diverge(reversed(prev), reversed(cur), THRESHOLDS);
        cheapExpect(diverge(prev, cur, THRESHOLDS)).toEqual(inPaneOrder(lookedUp, prev));
      }),
      { numRuns: 1000 },
    );
  });

  it("every step of a world's life returns what it returns on copies of its state and event", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 3 }),
        fc.array(fc.oneof({ weight: 3, arbitrary: troubledActionArb }, { weight: 1, arbitrary: faultActionArb }), {
          maxLength: 3,
        }),
        (workers, actions) => {
          const world = startedWorld(workers);
          const from = world.transitions.length;
          runActions(world, actions);
          const differing = world.transitions.slice(from).find((transition) => !sameOnCopies(transition));
          // vitest's diff of the first step that differs, then the failure itself.
          if (differing !== undefined) expect(stepOnCopies(differing)).toStrictEqual(recorded(differing));
          cheapExpect(differing).toBeUndefined();
        },
      ),
      { numRuns: 1000 },
    );
  });
});
