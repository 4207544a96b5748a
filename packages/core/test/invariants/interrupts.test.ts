import fc from "fast-check";
import { describe, it } from "vitest";
import { createFakeWorld } from "../../src/testing/fakeWorld.js";
import { cheapExpect } from "../cheapExpect.js";
import { forkOfStarted } from "../worldSupport.js";

describe("invariant 11 in the fake world", () => {
  it("invariant 11: repeated identical interrupts within the window wake once", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 5_000 }), { minLength: 1, maxLength: 12 }),
        fc.constantFrom("need approval", "tests are red"),
        fc.boolean(),
        (gaps, message, detached) => {
          const world = forkOfStarted("one worker, default pane", () => {
            const started = createFakeWorld();
            started.addWorker();
            started.start();
            return started;
          });
          const worker = world.tmux.listSync().find((pane) => pane.windowName !== world.state().config.window)!.paneId;
          const firstMate = world.firstMatePaneId()!;
          if (detached) world.channel.detach(firstMate);
          world.drive();
          const window = world.state().config.dedupeWindowMs;
          let elapsed = 0;
          for (const gap of gaps) {
            if (elapsed + gap >= window) break;
            elapsed += gap;
            world.advance(gap);
            world.inject({ type: "NotifyReceived", now: world.now(), paneId: worker, kind: "need_human", message });
            world.drive();
          }
          if (detached) {
            world.channel.attach(firstMate, true);
            world.drive();
          }
          const wakes = world
            .pushesToFirstMate()
            .filter((push) => push.meta.kind === "interrupt" && push.meta.source === worker);
          cheapExpect(wakes).toHaveLength(1);
          cheapExpect(world.commands.filter((command) => command.type === "store.enqueueOutbox")).toHaveLength(1);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
