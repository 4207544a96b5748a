/**
 * Regression: `stop()` waited for every running effect to settle, so an
 * effect that never answers (a first-mate spawn whose tmux command hangs)
 * kept it waiting forever. It now waits at most the tool-call timeout.
 */
import { describe, expect, it } from "vitest";
import type { TmuxPort } from "../../src/ports/tmuxPort.js";
import { createRuntime } from "../../src/runtime/createRuntime.js";
import { systemClock } from "../../src/runtime/systemClock.js";
import { createFakeChannel } from "../../src/testing/fakeChannel.js";
import { createFakeStore } from "../../src/testing/fakeStore.js";
import { createFakeTmux } from "../../src/testing/fakeTmux.js";

describe("stopping a runtime whose effect never answers", () => {
  it("stop() returns within the tool-call timeout while a spawn hangs", async () => {
    const fake = createFakeTmux(() => systemClock.now());
    let spawnAsked!: () => void;
    const asked = new Promise<void>((resolve) => {
      spawnAsked = resolve;
    });
    const tmux: TmuxPort = {
      ...fake,
      listPanes: () => fake.listPanes(),
      subscribe: (listener) => fake.subscribe(listener),
      spawn: () => {
        spawnAsked();
        return new Promise(() => undefined);
      },
    };
    const runtime = createRuntime({
      tmux,
      channel: createFakeChannel(),
      store: createFakeStore(),
      clock: systemClock,
      launcher: {
        prepare: async ({ session, window }) => ({
          request: { session, window, argv: ["claude"], env: {} },
          tokenHash: "0".repeat(64),
        }),
      },
      owner: "hung-host",
      config: { toolCallTimeoutMs: 50 },
    });
    await runtime.start();
    await asked;
    expect(runtime.status().spawnInFlight).toBe(true);
    const stopped = await Promise.race([
      runtime.stop().then(() => "stopped" as const),
      new Promise<"still waiting">((resolve) => setTimeout(() => resolve("still waiting"), 20_000)),
    ]);
    expect(stopped).toBe("stopped");
    expect(runtime.status().running).toBe(false);
  });
});
