/**
 * The runtime and the fake world run a batch the same way: the same batch,
 * with the same store refusing the same writes, gives the same durable
 * writes on file, the same effects held back (and why), the same failed
 * writes, and the same events heard by the core in the same order. Would a
 * second copy of the batch order creep into either interpreter, this fails.
 *
 * Both are given a core (their `step` option) whose one marked event returns
 * the generated batch (and every other event none): what is compared is the interpreters'
 * loop, not the core's decisions. The runtime's tmux, channel and lease calls
 * wait at a gate until its batch is run and its waiting events heard, as the
 * world's queued effects do, so both answer their effects in the same order.
 */
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import type { Command } from "../../src/commands.js";
import type { Event } from "../../src/events.js";
import type { ChannelPort } from "../../src/ports/channelPort.js";
import type { StorePort } from "../../src/ports/storePort.js";
import type { TmuxPort } from "../../src/ports/tmuxPort.js";
import { createRuntime, type Runtime, type RuntimeReport } from "../../src/runtime/createRuntime.js";
import type { CoreState } from "../../src/state.js";
import { createFakeChannel } from "../../src/testing/fakeChannel.js";
import { createFakeClock } from "../../src/testing/fakeClock.js";
import { createFakeStore, type FakeStoreWrite } from "../../src/testing/fakeStore.js";
import { createFakeTmux } from "../../src/testing/fakeTmux.js";
import { createFakeWorld } from "../../src/testing/fakeWorld.js";
import { cheapExpect } from "../cheapExpect.js";
import { pid, T0 } from "../support.js";

/** The batch the marked event returns, and the events the core heard after it. */
const script: { batch: readonly Command[]; heard: Event[] } = { batch: [], heard: [] };
const MARK = T0 + 1;

/** The core as both interpreters are given it here: the marked event decides the script's batch, every other none. */
const scriptedStep = (state: CoreState, event: Event): [CoreState, readonly Command[]] => {
  if (event.type === "Ticked" && event.now === MARK) {
    script.heard = [];
    return [state, script.batch];
  }
  script.heard.push(event);
  return [state, []];
};

const running: Runtime[] = [];
/** Calls still held: released before stopping, so a failed check leaves no runtime waiting on its ports. */
const held: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const release of held.splice(0)) await release();
  for (const runtime of running.splice(0)) await runtime.stop();
});

// Commands of every role, each answered the same way by the fakes under both interpreters.
const PALETTE: readonly Command[] = [
  { type: "timer.wakeAt", at: T0 + 60_000 },
  { type: "alert.raise", level: "warning", code: "c", message: "m" },
  { type: "tool.reply", requestId: "r-1", reply: { ok: true, text: "done" } },
  { type: "store.appendLog", entry: { kind: "narrative", at: T0, author: "kit", text: "x" } },
  { type: "store.setAlert", alert: { paneId: pid(3), kind: "need_human", message: "m", raisedAt: T0 }, epoch: 0 },
  { type: "store.setAlert", alert: { paneId: pid(4), kind: "need_human", message: "m", raisedAt: T0 }, epoch: 7 },
  { type: "store.clearAlert", paneId: pid(3), epoch: 0 },
  { type: "channel.emit", emitId: "push-1", purpose: "digest", paneId: pid(9), content: "x", meta: {} },
  { type: "tmux.sendKeys", paneId: pid(2), keys: ["Enter"] },
  { type: "tmux.killWindow", target: "bridge:gone" },
  { type: "tmux.capture", paneId: pid(2), lines: 10, requestId: "peek-1" },
  { type: "store.renewLease", owner: "host", now: T0, ttlMs: 30_000 },
];

const FAILABLE: readonly FakeStoreWrite[] = ["appendLog", "setAlert", "clearAlert"];

interface Case {
  readonly batch: readonly Command[];
  /** The next `count` writes of `write` fail (none when null). */
  readonly failing: { readonly write: FakeStoreWrite; readonly count: number } | null;
}

const caseArb: fc.Arbitrary<Case> = fc.record({
  batch: fc.array(fc.constantFrom(...PALETTE), { maxLength: 10 }),
  failing: fc.option(fc.record({ write: fc.constantFrom(...FAILABLE), count: fc.integer({ min: 1, max: 3 }) })),
});

/** What an interpreter did with the batch, in terms both can say. */
interface Ran {
  readonly heard: readonly unknown[];
  readonly heldBack: readonly string[];
  readonly failedWrites: readonly string[];
  readonly onFile: unknown;
}

/**
 * The events heard, with an effect's failure told in its port's own words
 * left out: the fake ports word their failures their own way (e.g. a missing
 * pane), and that wording is not the batch order under test. What the batch
 * order says (a failed write, an effect held back) is kept word for word.
 */
const heardOf = (events: readonly Event[]): unknown[] =>
  events.map((event) =>
    event.type !== "StoreWriteFailed" &&
    "reason" in event &&
    typeof event.reason === "string" &&
    !event.reason.startsWith("not run:")
      ? { ...event, reason: "(the port's words)" }
      : event,
  );

const isWrite = (type: string): boolean => type.startsWith("store.") && type !== "store.renewLease";

const throughWorld = (c: Case): Ran => {
  const world = createFakeWorld({ owner: "host", autoAttach: false, step: scriptedStep });
  world.start();
  if (c.failing) world.store.failWrites(c.failing.count, c.failing.write);
  script.batch = c.batch;
  world.inject({ type: "Ticked", now: MARK });
  world.drive();
  return {
    heard: heardOf(script.heard),
    heldBack: world.unapplied
      .filter((entry) => entry.reason.startsWith("not run:"))
      .map((entry) => `${entry.command.type} ${entry.reason}`),
    failedWrites: world.unapplied
      .filter((entry) => isWrite(entry.command.type))
      .map((entry) => `${entry.command.type}: ${entry.reason}`),
    onFile: structuredClone(world.store.snapshot()),
  };
};

/**
 * Port calls held until released, one at a time in the order they were made:
 * the runtime's effects then answer in the order they were started, once its
 * batch is run and the events it queued are heard, as the world's queued
 * effects do.
 */
const createGate = () => {
  const waiting: (() => void)[] = [];
  const hold = <T extends object>(port: T, names: readonly string[]): T => {
    const wrapped: Record<string, unknown> = { ...(port as Record<string, unknown>) };
    for (const name of names) {
      const method = (port as Record<string, (...args: unknown[]) => Promise<unknown>>)[name]!;
      wrapped[name] = (...args: unknown[]) =>
        new Promise<void>((resolve) => waiting.push(resolve)).then(() => method(...args));
    }
    return wrapped as T;
  };
  /** Release every held call in order, letting each one's answer be queued before the next is released. */
  const releaseAll = async () => {
    for (let next = waiting.shift(); next !== undefined; next = waiting.shift()) {
      next();
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  };
  return { hold, releaseAll };
};

const throughRuntime = async (c: Case): Promise<Ran> => {
  const clock = createFakeClock();
  const tmux = createFakeTmux(() => clock.now());
  const channel = createFakeChannel();
  const store = createFakeStore();
  const gate = createGate();
  held.push(gate.releaseAll);
  const runtime = createRuntime({
    tmux: gate.hold<TmuxPort>(tmux, ["sendKeys", "killWindow", "capture"]),
    channel: gate.hold<ChannelPort>(channel, ["emit"]),
    store: gate.hold<StorePort>(store, ["renewLease"]),
    clock,
    launcher: {
      prepare: async () => {
        throw new Error("no spawn in these batches");
      },
    },
    owner: "host",
    step: scriptedStep,
  });
  running.push(runtime);
  const reports: RuntimeReport[] = [];
  runtime.subscribe((report) => reports.push(report));
  await runtime.start();
  await runtime.idle();
  if (c.failing) store.failWrites(c.failing.count, c.failing.write);
  script.batch = c.batch;
  await runtime.dispatch({ type: "Ticked", now: MARK });
  await gate.releaseAll();
  await runtime.idle();
  const errors = reports.flatMap((report) => (report.type === "error" ? [report.message] : []));
  return {
    heard: heardOf(script.heard),
    heldBack: errors.filter((message) => message.includes(" not run: ")),
    failedWrites: errors.filter((message) => isWrite(message.split(":")[0]!) && !message.includes(" not run: ")),
    onFile: structuredClone(store.snapshot()),
  };
};

describe("the runtime and the fake world run a batch alike", () => {
  it("a failed write is held back, heard first and kept off file alike in both (worked example)", async () => {
    const c: Case = {
      batch: [PALETTE[3]!, PALETTE[7]!, PALETTE[4]!, PALETTE[8]!, PALETTE[9]!, PALETTE[11]!, PALETTE[0]!],
      failing: { write: "setAlert", count: 1 },
    };
    const world = throughWorld(c);
    const runtime = await throughRuntime(c);
    expect((world.heard[0] as Event | undefined)?.type).toBe("StoreWriteFailed");
    expect(world.heldBack).toEqual([
      "tmux.sendKeys not run: store.setAlert failed: StoreUnavailable: disk I/O error writing setAlert (injected)",
    ]);
    expect(runtime).toEqual(world);
  });

  it("an effect held back by a failed write is answered when its batch runs, before effects started earlier answer (the world answered it only when its queue reached it)", async () => {
    // Shrunk by the property below while the world ran a batch with its own loop.
    const c: Case = { batch: [PALETTE[11]!, PALETTE[5]!, PALETTE[10]!], failing: null };
    const world = throughWorld(c);
    expect(world.heard.map((event) => (event as Event).type)).toEqual([
      "StoreWriteFailed",
      "ScreenCaptureFailed",
      "LeaseRenewed",
    ]);
    expect(await throughRuntime(c)).toEqual(world);
  });

  it("property: the same batch and the same refused writes give the same events heard, effects held back and rows on file", async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        const world = throughWorld(c);
        const runtime = await throughRuntime(c);
        for (const stopped of running.splice(0)) await stopped.stop();
        cheapExpect(runtime).toEqual(world);
      }),
      { numRuns: 1000 },
    );
  });
});
