import * as E from "fp-ts/lib/Either.js";
import { afterEach, describe, expect, it } from "vitest";
import type { PaneId } from "../../src/domain/paneId.js";
import type { StorePort } from "../../src/ports/storePort.js";
import type { TmuxPort } from "../../src/ports/tmuxPort.js";
import { createRuntime, type Runtime, type RuntimeReport } from "../../src/runtime/createRuntime.js";
import type { FirstMateLauncher } from "../../src/runtime/launcher.js";
import { createFakeChannel } from "../../src/testing/fakeChannel.js";
import { createFakeClock } from "../../src/testing/fakeClock.js";
import { createFakeStore } from "../../src/testing/fakeStore.js";
import { createFakeTmux } from "../../src/testing/fakeTmux.js";
import { attemptTokenHash } from "../../src/testing/stubLauncher.js";

const launcher: FirstMateLauncher = {
  prepare: async ({ attempt, session, window }) => ({
    request: { session, window, argv: ["claude"], env: { FIRST_MATE_TOKEN: `token-${attempt}` } },
    tokenHash: attemptTokenHash(attempt),
  }),
};

const setup = (overrides: { store?: StorePort; tmux?: TmuxPort } = {}) => {
  const clock = createFakeClock();
  const tmux = createFakeTmux(() => clock.now());
  const channel = createFakeChannel();
  const store = createFakeStore();
  const runtime = createRuntime({
    tmux: overrides.tmux ?? tmux,
    channel,
    store: overrides.store ?? store,
    clock,
    launcher,
    owner: "test-host",
  });
  const reports: RuntimeReport[] = [];
  runtime.subscribe((report) => reports.push(report));
  running.push(runtime);
  return { clock, tmux, channel, store, runtime, reports };
};

const running: Runtime[] = [];
afterEach(async () => {
  for (const runtime of running.splice(0)) await runtime.stop();
});

describe("createRuntime", () => {
  it("start spawns one first mate and stamps its marker", async () => {
    const { runtime, tmux, store } = setup();
    tmux.addPane({ command: "claude", title: "working" });
    await runtime.start();
    await runtime.idle();
    expect(tmux.spawned).toHaveLength(1);
    expect(tmux.spawned[0]!.request.env).toEqual({ FIRST_MATE_TOKEN: "token-1" });
    const status = runtime.status();
    expect(status.running).toBe(true);
    expect(status.leaseHeld).toBe(true);
    expect(status.firstMate?.paneId).toBe(tmux.spawned[0]!.paneId);
    expect(store.snapshot().marker?.paneId).toBe(tmux.spawned[0]!.paneId);
  });

  it("pushes the whole picture when the first mate attaches, and a notify from the tool host interrupts it", async () => {
    const { runtime, tmux, channel } = setup();
    const worker = tmux.addPane({ command: "claude", title: "working", windowName: "api" });
    await runtime.start();
    await runtime.idle();
    const firstMate = runtime.status().firstMate!.paneId;
    channel.attach(firstMate, true);
    await runtime.idle();
    expect(channel.received.get(firstMate)?.map((push) => push.meta.kind)).toEqual(["digest_full"]);
    const answer = await runtime.toolHost.notify(worker, { kind: "need_human", message: "may I deploy?" });
    await runtime.idle();
    expect(answer).toEqual(E.right("the first mate has been told"));
    const interrupts = channel.received.get(firstMate)!.filter((push) => push.meta.kind === "interrupt");
    expect(interrupts.map((push) => push.content)).toEqual([
      `[interrupt #1] NEEDS A HUMAN ${worker} api: may I deploy?`,
    ]);
  });

  it("respawns at once when the first mate's window closes, without waiting for the tick", async () => {
    const { runtime, tmux, clock } = setup();
    await runtime.start();
    await runtime.idle();
    const first = runtime.status().firstMate!.paneId;
    clock.advance(61_000);
    await runtime.idle();
    const before = clock.now();
    tmux.killPaneExternally(first);
    await runtime.idle();
    expect(clock.now()).toBe(before);
    expect(tmux.spawned).toHaveLength(2);
    expect(runtime.status().firstMate?.paneId).toBe(tmux.spawned[1]!.paneId);
  });

  it("stop leaves no pending timers and releases the lease", async () => {
    const { runtime, clock, store } = setup();
    await runtime.start();
    await runtime.idle();
    clock.advance(45_000);
    await runtime.idle();
    expect(clock.pendingTimers()).toBeGreaterThan(0);
    expect(store.snapshot().lease.owner).toBe("test-host");
    await runtime.stop();
    expect(clock.pendingTimers()).toBe(0);
    expect(store.snapshot().lease.owner).toBeNull();
    expect(runtime.status().running).toBe(false);
  });

  it("updateInputs rejects invalid input with a reason and changes nothing", async () => {
    const { runtime } = setup();
    await runtime.start();
    await runtime.idle();
    const before = runtime.state();
    const bad = await runtime.updateInputs({ panes: { "not-a-pane": { statusLine: "x" } } });
    expect(E.isLeft(bad) && bad.left._tag).toBe("EventRejected");
    const tooHigh = await runtime.updateInputs({ usage: { percent: 140, resetsAt: null } });
    expect(E.isLeft(tooHigh) && tooHigh.left.reason).toContain("usage.percent");
    expect(runtime.state()).toBe(before);
    const good = await runtime.updateInputs({ panes: { ["%5" as PaneId]: { statusLine: "fine" } } });
    expect(good).toEqual(E.right(undefined));
    expect(runtime.state().inputs.panes["%5" as PaneId]).toEqual({ statusLine: "fine" });
  });

  it("a store command runs (and is awaited) before the effect command of the same batch", async () => {
    const clock = createFakeClock();
    const order: string[] = [];
    const inner = createFakeStore();
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const store: StorePort = {
      ...inner,
      recordStart: async (record, epoch) => {
        order.push(`store.recordStart:${record.outcome}`);
        if (record.outcome === "starting") await gate;
        return inner.recordStart(record, epoch);
      },
    };
    const fakeTmux = createFakeTmux(() => clock.now());
    const tmux: TmuxPort = {
      ...fakeTmux,
      spawn: async (request) => {
        order.push("tmux.spawn");
        return fakeTmux.spawn(request);
      },
    };
    const { runtime } = setup({ store, tmux });
    await runtime.start();
    // Let the event queue run until the spawn batch blocks on its store write.
    for (let i = 0; i < 50 && !order.includes("store.recordStart:starting"); i++)
      await new Promise((r) => setTimeout(r, 0));
    expect(order).toEqual(["store.recordStart:starting"]);
    release();
    await runtime.idle();
    expect(order.slice(0, 2)).toEqual(["store.recordStart:starting", "tmux.spawn"]);
  });

  it("reports a crash-loop give-up to the embedder as an alert", async () => {
    const { runtime, tmux, clock, reports } = setup();
    tmux.queueSpawns("fail", "fail", "fail");
    await runtime.start();
    await runtime.idle();
    for (let i = 0; i < 20; i++) {
      clock.advance(10_000);
      await runtime.idle();
    }
    expect(runtime.status().gaveUp).toBe(true);
    expect(
      reports.filter((report) => report.type === "alert").map((report) => report.type === "alert" && report.code),
    ).toEqual(["first_mate_crash_loop"]);
  });

  it("a kill switch set before start is durable: no first mate is spawned", async () => {
    const { runtime, tmux, store } = setup();
    await runtime.setKillSwitch(true);
    expect(store.snapshot().killSwitch).toBe(true);
    await runtime.start();
    await runtime.idle();
    expect(runtime.status().killSwitch).toBe(true);
    expect(tmux.spawned).toEqual([]);
    await runtime.setKillSwitch(false);
    await runtime.idle();
    expect(tmux.spawned).toHaveLength(1);
  });

  it("a kill switch set while running stops respawns", async () => {
    const { runtime, tmux } = setup();
    await runtime.start();
    await runtime.idle();
    await runtime.setKillSwitch(true);
    await runtime.idle();
    tmux.killPaneExternally(runtime.status().firstMate!.paneId);
    await runtime.idle();
    expect(tmux.spawned).toHaveLength(1);
    expect(runtime.status().firstMate).toBeNull();
  });
});
