import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { diverge } from "../../src/decisions/diverge.js";
import { currentDigest } from "../../src/step.js";
import { applyWorldAction } from "../../src/testing/applyWorldAction.js";
import { createFakeWorld } from "../../src/testing/fakeWorld.js";
import { heal, replay, runActions, startedWorld, troubledActionArb, worldSetupArb } from "../worldSupport.js";

describe("heartbeat invariants in the fake world", () => {
  it("invariant 2: lastSent changes only on a successful emit of that push", () => {
    fc.assert(
      fc.property(worldSetupArb, ({ workers, actions }) => {
        const world = startedWorld(workers);
        runActions(world, actions);
        for (const { before, event, after } of replay(world)) {
          if (after.heartbeat.lastSent === before.heartbeat.lastSent) continue;
          const markerChanged =
            before.supervisor.marker?.paneId !== after.supervisor.marker?.paneId ||
            before.supervisor.marker?.attempt !== after.supervisor.marker?.attempt;
          if (after.heartbeat.lastSent === null) {
            // The only other change: a new first mate starts with no picture.
            expect(markerChanged).toBe(true);
            continue;
          }
          expect(event.type).toBe("EmitSucceeded");
          const inFlight = before.heartbeat.inFlight;
          expect(inFlight).not.toBeNull();
          if (event.type === "EmitSucceeded") expect(event.emitId).toBe(inFlight!.emitId);
          expect(after.heartbeat.lastSent).toBe(inFlight!.digest);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it("invariant 3: every material change is eventually delivered once the link is healthy", () => {
    fc.assert(
      fc.property(worldSetupArb, ({ workers, actions }) => {
        const world = startedWorld(workers);
        runActions(world, actions);
        heal(world);
        const config = world.state().config;
        // Long enough for the idle threshold to pass and a coalesced push to go out.
        world.advance(config.idleThresholdMs + 2 * config.pushIntervalMs);
        const state = world.state();
        const firstMate = world.firstMatePaneId();
        expect(firstMate).not.toBeNull();
        expect(state.firstMateAttached).toBe(true);
        expect(state.heartbeat.inFlight).toBeNull();
        expect(state.heartbeat.lastSent).not.toBeNull();
        expect(diverge(state.heartbeat.lastSent, currentDigest(state), config)).toEqual([]);
        // The picture it has is the one last pushed to it.
        const pushes = world
          .pushesToFirstMate()
          .filter((push) => push.paneId === firstMate && push.meta.kind !== "interrupt");
        expect(pushes.length).toBeGreaterThan(0);
        // And every interrupt reached it: nothing waits in the outbox.
        expect(state.interrupts.outbox).toEqual([]);
      }),
      { numRuns: 1000 },
    );
  });

  it("invariant 5: an idle fleet produces no pushes", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 6 }),
        fc.array(fc.integer({ min: 1_000, max: 900_000 }), { minLength: 1, maxLength: 4 }),
        fc.record({
          tickMs: fc.integer({ min: 15_000, max: 60_000 }),
          pushIntervalMs: fc.integer({ min: 10_000, max: 300_000 }),
        }),
        (workers, advances, config) => {
          const world = startedWorld(workers, config);
          // First sight, then the idle threshold crossing: after that nothing changes.
          world.advance(world.state().config.idleThresholdMs + config.pushIntervalMs + config.tickMs);
          const settled = world.pushesToFirstMate().length;
          expect(settled).toBeGreaterThan(0);
          for (const ms of advances) world.advance(ms);
          expect(world.pushesToFirstMate()).toHaveLength(settled);
          expect(world.commands.filter((command) => command.type === "channel.emit")).toHaveLength(settled);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("invariant 6: the first mate never appears in its own digest, nor wakes itself", () => {
    const selfNotifyArb = fc.record({
      type: fc.constant("selfNotify" as const),
      message: fc.constantFrom("I need a human", "done"),
      report: fc.boolean(),
    });
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 4 }),
        fc.array(fc.oneof({ weight: 4, arbitrary: troubledActionArb }, { weight: 1, arbitrary: selfNotifyArb }), {
          maxLength: 25,
        }),
        (workers, actions) => {
          const world = startedWorld(workers);
          for (const action of actions) {
            if (action.type === "selfNotify") {
              const self = world.firstMatePaneId();
              if (self === null) continue;
              world.inject(
                action.report
                  ? { type: "ReportReceived", now: world.now(), paneId: self, message: action.message }
                  : {
                      type: "NotifyReceived",
                      now: world.now(),
                      paneId: self,
                      kind: "need_human",
                      message: action.message,
                    },
              );
              world.drive();
            } else {
              applyWorldAction(world, action);
            }
            const self = world.firstMatePaneId();
            if (self !== null) expect(world.digest().panes.map((pane) => pane.handle)).not.toContain(self);
          }
          for (const { before, event, after, commands } of replay(world)) {
            const self = before.supervisor.marker?.paneId ?? null;
            if (self !== null) expect(currentDigest(after).panes.some((pane) => pane.handle === self)).toBe(false);
            const inFlight = after.heartbeat.inFlight;
            const target = after.supervisor.marker?.paneId ?? null;
            if (inFlight && target) expect(inFlight.digest.panes.some((pane) => pane.handle === target)).toBe(false);
            if ((event.type === "NotifyReceived" || event.type === "ReportReceived") && event.paneId === self) {
              expect(commands.filter((command) => command.type === "store.enqueueOutbox")).toEqual([]);
            }
          }
          for (const push of world.pushesToFirstMate()) {
            if (push.meta.kind === "interrupt") expect(push.meta.source).not.toBe(push.paneId);
            else expect(push.content).not.toMatch(new RegExp(`^- (NEW )?${push.paneId} `, "m"));
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe("invariant 11 in the fake world", () => {
  it("invariant 11: repeated identical interrupts within the window wake once", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 5_000 }), { minLength: 1, maxLength: 12 }),
        fc.constantFrom("need approval", "tests are red"),
        fc.boolean(),
        (gaps, message, detached) => {
          const world = createFakeWorld();
          const worker = world.addWorker();
          world.start();
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
          expect(wakes).toHaveLength(1);
          expect(world.commands.filter((command) => command.type === "store.enqueueOutbox")).toHaveLength(1);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
