/**
 * buildDigest keeps the rows it curated for a fleet and re-ages them while
 * nothing that feeds them changed. Whatever sequence of steps shares or
 * replaces its inputs, a digest served from the memo equals the digest
 * built afresh (buildDigestAfresh, from copies: nothing remembered is read
 * or replaced, so the memo sees the sequence a core's steps would give it).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { AgentStates } from "../../src/decisions/agentStates.js";
import { buildDigest, buildDigestAfresh, type DigestContext } from "../../src/decisions/buildDigest.js";
import { DEFAULT_AGENT_SIGNATURES } from "../../src/domain/agentKind.js";
import type { Alert } from "../../src/domain/alert.js";
import type { PaneInput, PaneObservation } from "../../src/domain/observation.js";
import type { PaneId } from "../../src/domain/paneId.js";
import { fleetArb, T0 } from "../../src/testing/arbitraries.js";
import { cheapExpect } from "../cheapExpect.js";
import { emptyDigestContext, observation } from "../support.js";

type Inputs = readonly [readonly PaneObservation[], DigestContext];

/** One step between two digests: what it replaces (a new object), or only the time. */
type Change =
  | { readonly kind: "time"; readonly ms: number }
  | { readonly kind: "fleet"; readonly panes: PaneObservation[] }
  | { readonly kind: "alert"; readonly pane: number; readonly alertKind: Alert["kind"] }
  | { readonly kind: "input"; readonly pane: number; readonly statusLine: string }
  | { readonly kind: "agent"; readonly pane: number; readonly waiting: boolean }
  | { readonly kind: "firstMate"; readonly pane: number }
  | { readonly kind: "home"; readonly pane: number; readonly session: string; readonly elsewhere: boolean }
  | { readonly kind: "homeSession"; readonly session: string }
  | { readonly kind: "signatures"; readonly without: number };

const changeArb: fc.Arbitrary<Change> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant("time" as const), ms: fc.nat(90_000) }), weight: 4 },
  fc.record({ kind: fc.constant("fleet" as const), panes: fleetArb({ maxPanes: 6 }) }),
  fc.record({
    kind: fc.constant("alert" as const),
    pane: fc.nat(),
    alertKind: fc.constantFrom<Alert["kind"]>("info", "done", "need_human"),
  }),
  fc.record({ kind: fc.constant("input" as const), pane: fc.nat(), statusLine: fc.string({ maxLength: 8 }) }),
  fc.record({ kind: fc.constant("agent" as const), pane: fc.nat(), waiting: fc.boolean() }),
  fc.record({ kind: fc.constant("firstMate" as const), pane: fc.nat() }),
  fc.record({
    kind: fc.constant("home" as const),
    pane: fc.nat(),
    session: fc.constantFrom("work", "api", "web"),
    elsewhere: fc.boolean(),
  }),
  fc.record({ kind: fc.constant("homeSession" as const), session: fc.constantFrom("work", "api", "web") }),
  fc.record({ kind: fc.constant("signatures" as const), without: fc.nat(DEFAULT_AGENT_SIGNATURES.length) }),
);

const pick = (panes: readonly PaneObservation[], index: number): PaneId | null =>
  panes.length === 0 ? null : panes[index % panes.length]!.paneId;

const agentRecord = (waiting: boolean, at: number): AgentStates[string] => ({
  kind: "claude",
  command: "claude",
  evidence: {},
  ended: null,
  resolved: { state: waiting ? "waiting_permission" : "busy", source: "hook", at },
  permissionRaised: false,
  lastTitle: null,
  lastScreenRequestAt: null,
});

/** Apply a change, as a step of the core does: what changed is a new object, the rest is shared. */
const apply = ([panes, context]: Inputs, change: Change): Inputs => {
  const pane = "pane" in change ? pick(panes, change.pane) : null;
  switch (change.kind) {
    case "time":
      return [panes, { ...context, now: context.now + change.ms }];
    case "fleet":
      return [change.panes, context];
    case "alert":
      if (pane === null) return [panes, context];
      return [
        panes,
        {
          ...context,
          alerts: {
            ...context.alerts,
            [pane]: { paneId: pane, kind: change.alertKind, message: "m", raisedAt: context.now },
          },
        },
      ];
    case "input": {
      if (pane === null) return [panes, context];
      const input: PaneInput = { statusLine: change.statusLine };
      return [panes, { ...context, inputs: { ...context.inputs, panes: { ...context.inputs.panes, [pane]: input } } }];
    }
    case "agent":
      if (pane === null) return [panes, context];
      return [panes, { ...context, agents: { ...context.agents, [pane]: agentRecord(change.waiting, context.now) } }];
    case "firstMate":
      return [panes, { ...context, firstMatePaneId: pane }];
    case "home": {
      // The first mate's window takes a pane's window name (in any session), or no pane's.
      const home = panes.find((candidate) => candidate.paneId === pane);
      const window = home === undefined || change.elsewhere ? "no pane's window" : home.windowName;
      return [panes, { ...context, firstMateWindow: { session: change.session, window } }];
    }
    case "homeSession":
      // The same window name, another session.
      return [
        panes,
        { ...context, firstMateWindow: { session: change.session, window: context.firstMateWindow?.window ?? "" } },
      ];
    case "signatures":
      // A new table, one kind short (or whole): panes of that kind stop being agents.
      return [
        panes,
        { ...context, agentSignatures: DEFAULT_AGENT_SIGNATURES.filter((_, index) => index !== change.without) },
      ];
  }
};

/** The same inputs as new objects: nothing the memo holds can answer for them. */
const copied = ([panes, context]: Inputs): Inputs => [
  panes.map((pane) => ({ ...pane })),
  {
    ...context,
    inputs: { ...context.inputs, panes: { ...context.inputs.panes } },
    alerts: { ...context.alerts },
    ...(context.agents ? { agents: { ...context.agents } } : {}),
  },
];

describe("buildDigest's memo of curated rows", () => {
  it("never serves a stale digest: after any sequence of shared and replaced inputs it equals one built afresh", () => {
    fc.assert(
      fc.property(
        fleetArb({ maxPanes: 6 }),
        fc.boolean(),
        fc.array(changeArb, { maxLength: 12 }),
        (panes, tracked, changes) => {
          let inputs: Inputs = [panes, emptyDigestContext(tracked ? {} : undefined)];
          for (const change of [{ kind: "time", ms: 0 } as const, ...changes]) {
            inputs = apply(inputs, change);
            const served = buildDigest(...inputs);
            // Not buildDigest on the copies: that would replace the memo, and the next step would find it empty.
            const fresh = buildDigestAfresh(...copied(inputs));
            cheapExpect(served).toEqual(fresh);
            // Field order too: the digest is rendered as text.
            cheapExpect(JSON.stringify(served)).toBe(JSON.stringify(fresh));
          }
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("re-ages the rows it keeps: the same fleet later reports longer idle times", () => {
    const fleet = [3, 1, 2].map((n) => observation(n, { lastActivityAt: T0 }));
    const context: DigestContext = {
      now: T0,
      firstMatePaneId: null,
      inputs: { panes: {}, usage: { percent: null, resetsAt: null } },
      alerts: {},
    };
    expect(buildDigest(fleet, context).panes.map((row) => row.idleS)).toEqual(fleet.map(() => 0));
    const later = buildDigest(fleet, { ...context, now: T0 + 61_000 });
    expect(later.at).toBe(T0 + 61_000);
    expect(later.panes.map((row) => row.idleS)).toEqual(fleet.map(() => 61));
  });
});
