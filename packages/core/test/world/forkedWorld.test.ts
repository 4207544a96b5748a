/**
 * A forked world does what the world it was forked from would do: the
 * suites start most worlds as forks of one started world (worldSupport.ts,
 * startedWorld), so a fork that shared or dropped anything would change
 * what they test. Compared on everything a test can read: the core's state,
 * every record of the world, and the fakes' contents.
 */
import fc from "fast-check";
import { describe, it } from "vitest";
import { faultActionArb } from "../../src/testing/arbitraries.js";
import type { FakeWorld } from "../../src/testing/fakeWorld.js";
import { cheapExpect } from "../cheapExpect.js";
import { freshStartedWorld, runActions, startedWorld, troubledActionArb } from "../worldSupport.js";

/** Everything a test can read of a world, as plain data. */
const picture = (world: FakeWorld) => {
  const store = world.store.snapshot();
  return {
    now: world.now(),
    state: world.state(),
    events: world.events,
    commands: world.commands,
    transitions: world.transitions.length,
    applied: world.applied,
    unapplied: world.unapplied,
    alerts: world.alerts,
    toolReplies: world.toolReplies,
    pushes: world.pushesToFirstMate(),
    channel: [...world.channel.received],
    tmux: {
      panes: world.tmux.listSync(),
      server: world.tmux.server(),
      unavailable: world.tmux.isUnavailable(),
      sent: world.tmux.sent,
      keysSent: world.tmux.keysSent,
      spawned: world.tmux.spawned,
    },
    store: {
      ...store,
      ledger: [...store.ledger],
      alerts: [...store.alerts],
      outbox: [...store.outbox],
      dedupeMarks: [...store.dedupeMarks],
      sourceWakes: [...store.sourceWakes],
      repeats: [...store.repeats],
      deferred: [...store.deferred],
      unavailable: world.store.isUnavailable(),
      hydration: world.store.hydration(),
      authority: world.store.authoritySnapshot(),
    },
    hears: world.firstMateHearsChannel,
    acknowledges: world.firstMateAcknowledges,
  };
};

describe("a forked world", () => {
  it("property: a fork of a started world, and a fork of that after some actions, do what a world started afresh does, apart from each other", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 3 }),
        fc.array(fc.oneof({ weight: 2, arbitrary: troubledActionArb }, { weight: 1, arbitrary: faultActionArb }), {
          maxLength: 10,
        }),
        fc.nat(),
        (workers, actions, split) => {
          const fresh = freshStartedWorld(workers);
          const forked = startedWorld(workers);
          cheapExpect(picture(forked)).toEqual(picture(fresh));
          const at = actions.length === 0 ? 0 : split % (actions.length + 1);
          runActions(fresh, actions);
          runActions(forked, actions.slice(0, at));
          const forkOfFork = forked.fork();
          // The fork runs first: what it does must not reach the world it came from, nor the other way.
          runActions(forkOfFork, actions.slice(at));
          runActions(forked, actions.slice(at));
          const expected = picture(fresh);
          cheapExpect(picture(forkOfFork)).toEqual(expected);
          cheapExpect(picture(forked)).toEqual(expected);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
