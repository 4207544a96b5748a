/**
 * The outbox is bounded: while the first mate is away, at most `outboxCap`
 * undelivered interrupts are kept; beyond it the oldest expire early, by
 * the TTL's rule (dropped with a count the next digest reports, never the
 * entry being delivered), in memory and in the store alike.
 */
import * as E from "fp-ts/lib/Either.js";
import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_CONFIG, parseCoreConfig } from "../../src/config.js";
import {
  admitInterrupt,
  capOutbox,
  deliverNext,
  INITIAL_INTERRUPTS,
  type InterruptState,
} from "../../src/decisions/interrupts.js";
import type { PaneId } from "../../src/domain/paneId.js";
import { createRuntime, type Runtime } from "../../src/runtime/createRuntime.js";
import type { FirstMateLauncher } from "../../src/runtime/launcher.js";
import { createFakeChannel } from "../../src/testing/fakeChannel.js";
import { createFakeClock } from "../../src/testing/fakeClock.js";
import { createFakeStore } from "../../src/testing/fakeStore.js";
import { createFakeTmux } from "../../src/testing/fakeTmux.js";
import { pid, T0 } from "../support.js";

const CAP = { ...DEFAULT_CONFIG, outboxCap: 3 };

/** `count` interrupts from distinct panes, one a second (no dedupe, no rate limit in the way). */
const admitted = (count: number, state: InterruptState = INITIAL_INTERRUPTS) => {
  const commands = [];
  for (let index = 0; index < count; index += 1) {
    const raised = { now: T0 + index * 1000, source: pid(10 + index), kind: "need_human" as const, message: "help" };
    const decision = admitInterrupt(state, raised, "%1", CAP, 0);
    state = decision.state;
    commands.push(...decision.commands);
  }
  return { state, commands };
};

describe("the outbox is bounded (invariant 16)", () => {
  it("no outbox cap: past outboxCap the oldest undelivered entries expire, counted, with the TTL's store command", () => {
    const { state, commands } = admitted(5);
    expect(state.outbox.map((entry) => entry.seq)).toEqual([3, 4, 5]);
    expect(state.expiredUnreported).toBe(2);
    expect(commands.filter((command) => command.type === "store.expireOutbox")).toEqual([
      { type: "store.expireOutbox", before: T0 + 1, epoch: 0 },
      { type: "store.expireOutbox", before: T0 + 1000 + 1, epoch: 0 },
    ]);
    // Every enqueue is written before the expiry that follows it.
    expect(commands.map((command) => command.type).slice(0, 5)).toEqual([
      "store.enqueueOutbox",
      "store.enqueueOutbox",
      "store.enqueueOutbox",
      "store.enqueueOutbox",
      "store.expireOutbox",
    ]);
  });

  it("never expires the entry being delivered: the bound stops at it until its delivery settles", () => {
    const full = admitted(3).state;
    const delivering = deliverNext(full, pid(1), true, {}).state;
    expect(delivering.delivering).toBe(1);
    const over = admitInterrupt(
      delivering,
      { now: T0 + 10_000, source: pid(50), kind: "need_human", message: "help" },
      "%1",
      CAP,
      0,
    );
    // The head is in delivery and the oldest: nothing older may go, so the outbox waits one over its cap.
    expect(over.state.outbox.map((entry) => entry.seq)).toEqual([1, 2, 3, 4]);
    expect(over.commands.filter((command) => command.type === "store.expireOutbox")).toEqual([]);
    // Once the head is no longer in delivery, the cap applies again.
    const settled = capOutbox({ ...over.state, delivering: null }, CAP, 0);
    expect(settled.state.outbox.map((entry) => entry.seq)).toEqual([2, 3, 4]);
    expect(settled.state.expiredUnreported).toBe(1);
  });

  it("entries created in the same millisecond go together, in memory as in the store", () => {
    let state: InterruptState = INITIAL_INTERRUPTS;
    for (let index = 0; index < 4; index += 1) {
      state = admitInterrupt(
        state,
        { now: T0, source: pid(10 + index), kind: "report", message: "x" },
        "%1",
        CAP,
        0,
      ).state;
    }
    // The fourth pushes the first out; the store's bound (created before T0 + 1) takes all four of that millisecond.
    expect(state.outbox).toEqual([]);
    expect(state.expiredUnreported).toBe(4);
  });

  it("through the runtime with the first mate away: the store's pending outbox and the state stay within the cap, newest kept", async () => {
    const clock = createFakeClock();
    const tmux = createFakeTmux(() => clock.now());
    const store = createFakeStore();
    const workers = Array.from({ length: 12 }, (_, index) =>
      tmux.addPane({ command: "claude", windowName: `w${index}` }),
    );
    // The first mate never starts: every interrupt waits in the outbox.
    tmux.queueSpawns(...Array.from({ length: 10 }, () => "fail" as const));
    const launcher: FirstMateLauncher = {
      prepare: async ({ session, window }) => ({
        request: { session, window, argv: ["claude"] },
        tokenHash: "c".repeat(64),
      }),
    };
    const config = parseCoreConfig({ outboxCap: 5 });
    const runtime = createRuntime({ tmux, channel: createFakeChannel(), store, clock, launcher, owner: "cap", config });
    running.push(runtime);
    await runtime.start();
    await runtime.idle();
    for (const [index, worker] of workers.entries()) {
      clock.advance(1_000);
      const answer = await runtime.toolHost.notify(worker as PaneId, { kind: "need_human", message: `help ${index}` });
      expect(E.isRight(answer)).toBe(true);
      await runtime.idle();
    }
    const { interrupts } = runtime.state();
    expect(interrupts.outbox.map((entry) => entry.message)).toEqual([
      "help 7",
      "help 8",
      "help 9",
      "help 10",
      "help 11",
    ]);
    expect(interrupts.expiredUnreported).toBe(7);
    const pending = [...store.snapshot().outbox.values()].filter((entry) => !entry.delivered);
    expect(pending.map((entry) => entry.message)).toEqual(["help 7", "help 8", "help 9", "help 10", "help 11"]);
  });
});

const running: Runtime[] = [];
afterEach(async () => {
  for (const runtime of running.splice(0)) await runtime.stop();
});
