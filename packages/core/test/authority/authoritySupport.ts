/**
 * Builders for the authority tests: a started core with a live, attached
 * first mate, and arbitraries for conns, budgets and actions.
 */
import fc from "fast-check";
import type { AuthorityAction } from "../../src/authority/authorityAction.js";
import type { Conn } from "../../src/authority/conn.js";
import type { Command } from "../../src/commands.js";
import { type CoreConfigInput, parseCoreConfig } from "../../src/config.js";
import type { Marker } from "../../src/domain/marker.js";
import type { UsageSnapshot } from "../../src/domain/observation.js";
import { EMPTY_HYDRATION, type Event } from "../../src/events.js";
import { type CoreState, initialState } from "../../src/state.js";
import { step } from "../../src/step.js";
import { observation, pid, T0, takeLease } from "../support.js";

export const MARKER: Marker = { paneId: pid(1), tokenHash: "a".repeat(64), spawnedAt: T0 - 120_000, attempt: 2 };

export const heldConn = (overrides: Partial<Extract<Conn, { holder: "first_mate" }>> = {}): Conn => ({
  holder: "first_mate",
  since: T0,
  expiresAt: T0 + 60_000,
  scope: { actions: ["spawn_worker", "assign_task", "terminate"], targets: ["*"] },
  escalation: "wake the human for main",
  firstMateAttempt: MARKER.attempt,
  ...overrides,
});

/** The first mate's own pane and two workers, as tmux shows them. */
export const FLEET = [
  observation(1, { session: "bridge", windowName: "first-mate" }),
  observation(5, { windowName: "api" }),
  observation(6, { windowName: "docs" }),
];

/** Run events through step, collecting every command. */
export const run = (state: CoreState, events: readonly Event[]): { state: CoreState; commands: Command[] } => {
  let current = state;
  const commands: Command[] = [];
  for (const event of events) {
    const [next, produced] = step(current, event);
    current = next;
    commands.push(...produced);
  }
  return { state: current, commands };
};

/**
 * A core started from a store holding `MARKER` and `conn`, that has seen the
 * fleet (first mate alive) and whose first mate is attached.
 */
export const startedCore = (conn: Conn | null = null, config: CoreConfigInput = {}, now = T0): CoreState => {
  const started = run(initialState(parseCoreConfig(config)), [
    { type: "Started", now, owner: "host", hydration: { ...EMPTY_HYDRATION, marker: MARKER, conn } },
  ]);
  const [leased] = takeLease(started.state, now);
  const inFlight = leased.observe.inFlight;
  const observed = run(leased, [
    { type: "FleetObserved", now, observeId: inFlight?.id ?? 0, panes: FLEET },
    { type: "ChannelAttached", now, paneId: MARKER.paneId, firstMate: true },
  ]);
  return observed.state;
};

export const logTexts = (commands: readonly Command[]): string[] =>
  commands.flatMap((command) => (command.type === "store.appendLog" ? [command.entry.text] : []));

export const connsStored = (commands: readonly Command[]): Conn[] =>
  commands.flatMap((command) => (command.type === "store.setConn" ? [command.conn] : []));

export const usageArb: fc.Arbitrary<UsageSnapshot> = fc.record({
  percent: fc.option(fc.double({ min: 0, max: 100, noNaN: true }), { nil: null }),
  resetsAt: fc.option(fc.integer({ min: 0, max: T0 * 2 }), { nil: null }),
});

export const connArb: fc.Arbitrary<Conn> = fc.oneof(
  fc.record({ holder: fc.constant("human" as const), since: fc.nat() }),
  fc.record({
    holder: fc.constant("first_mate" as const),
    since: fc.nat(),
    expiresAt: fc.integer({ min: 0, max: T0 * 2 }),
    scope: fc.record({
      actions: fc.uniqueArray(
        fc.constantFrom("spawn_worker", "assign_task", "terminate") as fc.Arbitrary<
          "spawn_worker" | "assign_task" | "terminate"
        >,
        { minLength: 1 },
      ),
      targets: fc.array(fc.constantFrom("*", "%5", "api", "helper-*"), { minLength: 1, maxLength: 3 }),
    }),
    escalation: fc.constant("wake the human for main"),
    firstMateAttempt: fc.integer({ min: 0, max: 5 }),
  }),
);

const kindArb = fc.constantFrom("spawn_worker", "assign_task", "terminate", "merge_pr", "deploy", "peek", "nudge");

/** A text that some default prohibition matches, wrapped in noise. */
export const prohibitedTextArb: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom(
      "git push --force origin main",
      "git push -f",
      "cd repo && git push origin +feature",
      "git push --force-with-lease",
      "gh pr merge 12 --admin",
      "deploy to prod",
      "restart the production database",
      "ssh prod-db-1 && run the migration on PROD",
    ),
    fc.string({ maxLength: 20 }).map((noise) => noise.replace(/[\n]/g, " ")),
    fc.string({ maxLength: 20 }).map((noise) => noise.replace(/[\n]/g, " ")),
  )
  .map(([core, before, after]) => `${before} ; ${core} ; ${after}`);

/** Actions that a default prohibition covers, of every kind. */
export const prohibitedActionArb: fc.Arbitrary<AuthorityAction> = fc.oneof(
  fc.record({
    kind: kindArb,
    target: fc.record({ paneId: fc.constantFrom(pid(5), pid(6)) }, { requiredKeys: [] }),
    args: fc
      .tuple(fc.constantFrom("task", "command", "message"), prohibitedTextArb)
      .map(([key, value]) => ({ [key]: value })),
  }),
  fc.record({
    kind: fc.constant("merge_pr"),
    target: fc.constant({}),
    args: fc.constantFrom("true", "TRUE", "True").map((value) => ({ protected: value, pr: "12" })),
  }),
  fc.record({ kind: fc.constantFrom("deploy", "touch_prod"), target: fc.constant({}), args: fc.constant({}) }),
);
