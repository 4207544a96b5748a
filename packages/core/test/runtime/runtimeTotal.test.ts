/**
 * The runtime never stalls on input: a schema-valid event with extreme
 * numbers is processed like any other, and `dispatch` validates like
 * `updateInputs` (a bad event is a typed rejection that changes nothing).
 */
import * as E from "fp-ts/lib/Either.js";
import { afterEach, describe, expect, it } from "vitest";
import type { Event } from "../../src/events.js";
import { createRuntime, type Runtime } from "../../src/runtime/createRuntime.js";
import { createFakeChannel } from "../../src/testing/fakeChannel.js";
import { createFakeClock } from "../../src/testing/fakeClock.js";
import { createFakeStore } from "../../src/testing/fakeStore.js";
import { createFakeTmux } from "../../src/testing/fakeTmux.js";
import { createStubLauncher } from "../../src/testing/stubLauncher.js";

const running: Runtime[] = [];
afterEach(async () => {
  for (const runtime of running.splice(0)) await runtime.stop();
});

const setup = () => {
  const clock = createFakeClock();
  const tmux = createFakeTmux(() => clock.now());
  const runtime = createRuntime({
    tmux,
    channel: createFakeChannel(),
    store: createFakeStore(),
    clock,
    launcher: createStubLauncher(),
    owner: "host",
  });
  running.push(runtime);
  return { clock, tmux, runtime };
};

describe("runtime input", () => {
  it("step throws on schema-valid input: updateInputs with a reset time past 8.64e15 is Right and later events still run", async () => {
    const { runtime, clock } = setup();
    await runtime.start();
    await runtime.idle();
    const updated = await runtime.updateInputs({ usage: { percent: 10, resetsAt: 8.7e15 } });
    expect(updated).toEqual(E.right(undefined));
    const alerted = await runtime.dispatch({ type: "KillSwitchSet", now: clock.now(), on: true });
    expect(alerted).toEqual(E.right(undefined));
    expect(runtime.state().inputs.usage).toEqual({ percent: 10, resetsAt: 8.7e15 });
    expect(runtime.status().killSwitch).toBe(true);
  });

  it("dispatch validates like updateInputs: an invalid event is a typed rejection and changes nothing", async () => {
    const { runtime } = setup();
    await runtime.start();
    await runtime.idle();
    const before = runtime.state();
    const result = await runtime.dispatch({ type: "KillSwitchSet", now: -5, on: "yes" } as unknown as Event);
    expect(E.isLeft(result) && result.left._tag).toBe("EventRejected");
    expect(E.isLeft(result) && result.left.reason).toContain("now");
    expect(runtime.state()).toBe(before);
  });
});
