/**
 * buildDigest keeps its curated rows when the agent table is replaced but
 * every row reads the same agent state from it (a record renewed with the
 * same resolution, a pane without a row given a record). Whatever sequence
 * of such tables, changed resolutions, dropped records and time, the digest
 * served equals the digest built afresh (buildDigestAfresh).
 */
import fc from "fast-check";
import { describe, it } from "vitest";
import type { AgentStates } from "../../src/decisions/agentStates.js";
import { buildDigest, buildDigestAfresh, type DigestContext } from "../../src/decisions/buildDigest.js";
import type { ResolvedAgentState } from "../../src/domain/agentState.js";
import type { PaneObservation } from "../../src/domain/observation.js";
import { fleetArb } from "../../src/testing/arbitraries.js";
import { cheapExpect } from "../cheapExpect.js";
import { emptyDigestContext } from "../support.js";

type Inputs = readonly [readonly PaneObservation[], DigestContext];

/** One step between two digests. */
type Change =
  | { readonly kind: "time"; readonly ms: number }
  /** The pane's record replaced by one with the same resolution (a screen asked for). */
  | { readonly kind: "renew"; readonly pane: number; readonly at: number }
  /** The pane's record replaced by one with a new resolution (the same words, or others). */
  | { readonly kind: "resolve"; readonly pane: number; readonly state: ResolvedAgentState["state"] }
  /** The pane's record dropped from the table. */
  | { readonly kind: "drop"; readonly pane: number }
  /** The table copied as it is. */
  | { readonly kind: "copy" }
  /** Agent states tracked or not. */
  | { readonly kind: "track"; readonly on: boolean };

const changeArb: fc.Arbitrary<Change> = fc.oneof(
  fc.record({ kind: fc.constant("time" as const), ms: fc.nat(90_000) }),
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("renew" as const), pane: fc.nat(), at: fc.nat(60_000) }) },
  fc.record({
    kind: fc.constant("resolve" as const),
    pane: fc.nat(),
    state: fc.constantFrom<ResolvedAgentState["state"]>("busy", "idle", "waiting_permission", "unknown"),
  }),
  fc.record({ kind: fc.constant("drop" as const), pane: fc.nat() }),
  fc.constant({ kind: "copy" as const }),
  fc.record({ kind: fc.constant("track" as const), on: fc.boolean() }),
);

const record = (resolved: ResolvedAgentState, lastScreenRequestAt: number | null): AgentStates[string] => ({
  kind: "claude",
  command: "claude",
  evidence: {},
  ended: null,
  resolved,
  permissionRaised: false,
  lastTitle: null,
  lastScreenRequestAt,
});

const paneIdOf = (panes: readonly PaneObservation[], index: number): string | null =>
  panes.length === 0 ? null : panes[index % panes.length]!.paneId;

/** Apply a change as a step of the core does: what changed is a new object, the rest is shared. */
const apply = ([panes, context]: Inputs, change: Change): Inputs => {
  const agents = context.agents ?? {};
  const paneId = "pane" in change ? paneIdOf(panes, change.pane) : null;
  const withAgents = (next: AgentStates | undefined): Inputs => {
    const { agents: _dropped, ...rest } = context;
    return [panes, next === undefined ? rest : { ...rest, agents: next }];
  };
  switch (change.kind) {
    case "time":
      return [panes, { ...context, now: context.now + change.ms }];
    case "renew": {
      if (paneId === null) return [panes, context];
      const resolved = agents[paneId]?.resolved ?? { state: "busy", source: "hook", at: context.now };
      return withAgents({ ...agents, [paneId]: record(resolved, context.now + change.at) });
    }
    case "resolve":
      if (paneId === null) return [panes, context];
      return withAgents({
        ...agents,
        [paneId]: record({ state: change.state, source: "screen", at: context.now }, null),
      });
    case "drop": {
      if (paneId === null) return [panes, context];
      const { [paneId]: _gone, ...rest } = agents;
      return withAgents(rest);
    }
    case "copy":
      return withAgents({ ...agents });
    case "track":
      return withAgents(change.on ? agents : undefined);
  }
};

describe("buildDigest's rows kept across agent tables", () => {
  it("serve the digest built afresh, whatever tables replace each other", () => {
    fc.assert(
      fc.property(fleetArb({ maxPanes: 4 }), fc.array(changeArb, { minLength: 1, maxLength: 8 }), (panes, changes) => {
        let inputs: Inputs = [panes, emptyDigestContext({})];
        buildDigest(...inputs);
        for (const change of changes) {
          const before = inputs;
          inputs = apply(inputs, change);
          // The memo holds the inputs before the change (a property run before may have left others), then serves the change.
          buildDigest(...before);
          const served = buildDigest(...inputs);
          const fresh = buildDigestAfresh(...inputs);
          // Field order too: the digest is rendered as text.
          cheapExpect(JSON.stringify(served)).toBe(JSON.stringify(fresh));
        }
      }),
      { numRuns: 1000 },
    );
  });
});
