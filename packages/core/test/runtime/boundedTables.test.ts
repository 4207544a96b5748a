/**
 * Bounded under load, through the runtime's real ToolHost: a notify from a
 * pane that is not in the latest observation is refused (it costs no
 * alert, outbox row or table entry), and 10 000 distinct messages from a
 * real pane keep every interrupt table within its cap.
 */
import * as E from "fp-ts/lib/Either.js";
import { afterEach, describe, expect, it } from "vitest";
import { INTERRUPT_TABLE_CAPS } from "../../src/decisions/interrupts.js";
import type { PaneId } from "../../src/domain/paneId.js";
import { createRuntime, type Runtime } from "../../src/runtime/createRuntime.js";
import type { FirstMateLauncher } from "../../src/runtime/launcher.js";
import { createFakeChannel } from "../../src/testing/fakeChannel.js";
import { createFakeClock } from "../../src/testing/fakeClock.js";
import { createFakeStore } from "../../src/testing/fakeStore.js";
import { createFakeTmux } from "../../src/testing/fakeTmux.js";

const launcher: FirstMateLauncher = {
  prepare: async ({ session, window }) => ({
    request: { session, window, argv: ["claude"] },
    tokenHash: "c".repeat(64),
  }),
};
const LOAD = 10_000;

const running: Runtime[] = [];
afterEach(async () => {
  for (const runtime of running.splice(0)) await runtime.stop();
});

const started = async () => {
  const clock = createFakeClock();
  const tmux = createFakeTmux(() => clock.now());
  const store = createFakeStore();
  const worker = tmux.addPane({ command: "claude", windowName: "api" });
  const runtime = createRuntime({ tmux, channel: createFakeChannel(), store, clock, launcher, owner: "load-test" });
  running.push(runtime);
  await runtime.start();
  await runtime.idle();
  return { runtime, store, worker, clock };
};

describe("bounded tables under load (invariant 16)", () => {
  it("a notify from a pane not in the latest observation is refused and leaves no alert, outbox row or table entry", async () => {
    const { runtime, store } = await started();
    const before = runtime.state();
    const answer = await runtime.toolHost.notify("%999" as PaneId, { kind: "need_human", message: "let me in" });
    expect(E.isLeft(answer) && answer.left._tag).toBe("ToolRefused");
    const report = await runtime.toolHost.report("%998" as PaneId, { message: "me too" });
    expect(E.isLeft(report) && report.left._tag).toBe("ToolRefused");
    await runtime.idle();
    expect(runtime.state().alerts).toEqual(before.alerts);
    expect(runtime.state().interrupts).toEqual(before.interrupts);
    expect(store.snapshot().outbox.size).toBe(0);
  });

  it("invariant 16: 10 000 invented sources and 10 000 distinct messages keep every table within its cap", async () => {
    const { runtime, store, worker } = await started();
    for (let index = 0; index < LOAD; index += 1) {
      await runtime.toolHost.notify(`%${1000 + index}` as PaneId, { kind: "need_human", message: `invented ${index}` });
    }
    for (let index = 0; index < LOAD; index += 1) {
      await runtime.toolHost.notify(worker, { kind: "need_human", message: `distinct ${index}` });
    }
    await runtime.idle();
    const { interrupts, alerts } = runtime.state();
    expect(interrupts.dedupeMarks.length).toBeLessThanOrEqual(INTERRUPT_TABLE_CAPS.dedupeKeys);
    expect(interrupts.sourceWakes.length).toBeLessThanOrEqual(INTERRUPT_TABLE_CAPS.rateSources);
    expect(Object.keys(interrupts.repeats).length).toBeLessThanOrEqual(INTERRUPT_TABLE_CAPS.foldedRepeats + 1);
    // One alert per live pane at most, and the outbox holds what the rate limit let through.
    expect(Object.keys(alerts)).toEqual([worker]);
    expect([...store.snapshot().alerts.keys()]).toEqual([worker]);
    expect(interrupts.outbox.length).toBeLessThanOrEqual(runtime.state().config.rateLimitWakes);
  }, 120_000);
});
