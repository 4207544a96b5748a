/**
 * Regressions: the tools that act on the fleet are decided by `step` on the
 * state it holds when the call's turn comes, and run as commands — never by
 * the tool host on a snapshot of the state taken earlier.
 *
 * Each test drives the real runtime and its real ToolHost over the fake
 * ports; before the tools went through `step`, each one acted.
 */
import * as E from "fp-ts/lib/Either.js";
import { afterEach, describe, expect, it } from "vitest";
import type { PaneId } from "../../src/domain/paneId.js";
import type { StorePort } from "../../src/ports/storePort.js";
import { createRuntime, type Runtime } from "../../src/runtime/createRuntime.js";
import type { FirstMateLauncher } from "../../src/runtime/launcher.js";
import { createFakeChannel } from "../../src/testing/fakeChannel.js";
import { createFakeClock } from "../../src/testing/fakeClock.js";
import { createFakeStore } from "../../src/testing/fakeStore.js";
import { createFakeTmux } from "../../src/testing/fakeTmux.js";
import { attemptTokenHash } from "../../src/testing/stubLauncher.js";

const launcher: FirstMateLauncher = {
  prepare: async ({ attempt, session, window }) => ({
    request: { session, window, argv: ["claude"] },
    tokenHash: attemptTokenHash(attempt),
  }),
};

const running: Runtime[] = [];
afterEach(async () => {
  for (const runtime of running.splice(0)) await runtime.stop();
});

const unavailable = { _tag: "StoreUnavailable", message: "database is locked" } as const;

/**
 * A runtime with a live first mate, one idle Claude worker (`api`) and the
 * conn handed to the first mate with `actions` in scope; `failing.appendLog`
 * makes the captain's log unwritable.
 */
const fleetWithConn = async (actions: readonly ("spawn_worker" | "assign_task" | "terminate")[]) => {
  const clock = createFakeClock();
  const tmux = createFakeTmux(() => clock.now());
  const channel = createFakeChannel();
  const inner = createFakeStore();
  const failing = { appendLog: false };
  const store: StorePort = {
    ...inner,
    appendLog: async (entry) => (failing.appendLog ? E.left(unavailable) : inner.appendLog(entry)),
  };
  const worker = tmux.addPane({ command: "claude", title: "api work", windowName: "api" });
  const runtime = createRuntime({
    tmux,
    channel,
    store,
    authorityStore: inner,
    clock,
    launcher,
    owner: "tools-test",
    workers: { argv: ["cat"] },
  });
  running.push(runtime);
  await runtime.start();
  await runtime.idle();
  const firstMate = runtime.status().firstMate!.paneId;
  channel.attach(firstMate, true);
  await runtime.toolHost.agentHook!(worker, { hook_event_name: "Stop" });
  const handed = await runtime.authority.handOffConn({
    scope: { actions: [...actions], targets: ["*"] },
    durationMs: 600_000,
  });
  expect(E.isRight(handed)).toBe(true);
  await runtime.idle();
  const typed = () => tmux.sent.filter((entry) => entry.paneId === worker).map((entry) => entry.text);
  const workersSpawned = () => tmux.spawned.filter((spawn) => spawn.request.window !== "first-mate").length;
  const log = () => inner.snapshot().log.map((entry) => entry.text);
  return { runtime, clock, tmux, inner, failing, worker, firstMate, typed, workersSpawned, log };
};

const tagOf = (result: E.Either<{ _tag: string; message: string }, string>) =>
  E.isLeft(result) ? result.left._tag : "Right";
const textOf = (result: E.Either<{ _tag: string; message: string }, string>) =>
  E.isLeft(result) ? result.left.message : result.right;

describe("tool effects go through step", () => {
  it("a tool effect decided on a stale snapshot: a task typed on a conn that an earlier out-of-scope call handed back", async () => {
    const { runtime, firstMate, worker, typed, inner } = await fleetWithConn(["assign_task"]);
    // Two calls in one breath: the first is out of scope and hands the conn back; the second must find it gone.
    const [outside, assigned] = await Promise.all([
      runtime.toolHost.spawnWorker!(firstMate, { name: "builder" }),
      runtime.toolHost.assignTask!(firstMate, { pane: worker, task: "run the tests" }),
    ]);
    await runtime.idle();
    expect(tagOf(outside)).toBe("ToolRefused");
    expect(textOf(outside)).toContain("the conn has gone back to the human");
    expect(tagOf(assigned)).toBe("ToolRefused");
    expect(textOf(assigned)).toContain("not run: the human holds the conn");
    expect(typed()).toEqual([]);
    expect(runtime.authority.conn().holder).toBe("human");
    // Both became proposals the human sees.
    expect(inner.authoritySnapshot().proposals.map((proposal) => proposal.action.kind)).toEqual([
      "spawn_worker",
      "assign_task",
    ]);
  });

  it("a tool effect decided without the lease: a host that lost the supervisor lease spawns no worker", async () => {
    const { runtime, clock, firstMate, workersSpawned, log } = await fleetWithConn(["spawn_worker"]);
    // The store answers that another host holds the lease now.
    await runtime.dispatch({ type: "LeaseRenewed", now: clock.now(), held: false, expiresAt: 0, epoch: 0 });
    const spawned = await runtime.toolHost.spawnWorker!(firstMate, { name: "helper", command: "cat" });
    await runtime.idle();
    expect(tagOf(spawned)).toBe("ToolRefused");
    expect(textOf(spawned)).toContain("does not hold the supervisor lease");
    expect(workersSpawned()).toBe(0);
    expect(log().some((text) => text.startsWith("conn action"))).toBe(false);
  });

  it("a tool effect decided on a stale identity: a nudge from a pane that is no longer the first mate's types nothing", async () => {
    const { runtime, clock, tmux, worker, firstMate, typed } = await fleetWithConn(["assign_task"]);
    // The first mate dies and the supervisor starts another: its old pane id names no first mate any more.
    await tmux.kill(firstMate);
    await runtime.idle();
    for (let i = 0; i < 20 && runtime.status().firstMate?.paneId === firstMate; i++) {
      clock.advance(5_000);
      await runtime.idle();
    }
    expect(runtime.status().firstMate?.paneId).not.toBe(firstMate);
    const nudged = await runtime.toolHost.nudge(firstMate as PaneId, { pane: worker, message: "please rebase" });
    expect(tagOf(nudged)).toBe("ToolRefused");
    expect(textOf(nudged)).toContain("is not the first mate's pane");
    expect(typed()).toEqual([]);
  });

  it("a conn-gated action whose log row cannot be written does not run, and the first mate is told why", async () => {
    const { runtime, firstMate, failing, workersSpawned } = await fleetWithConn(["spawn_worker"]);
    failing.appendLog = true;
    const spawned = await runtime.toolHost.spawnWorker!(firstMate, { name: "helper", command: "cat" });
    await runtime.idle();
    expect(tagOf(spawned)).toBe("ToolFailed");
    expect(textOf(spawned)).toContain("store.appendLog failed");
    expect(workersSpawned()).toBe(0);
  });

  it("an allowed action is logged before it runs and its outcome after, and the reply carries the outcome", async () => {
    const { runtime, firstMate, worker, typed, log } = await fleetWithConn(["assign_task", "terminate"]);
    const assigned = await runtime.toolHost.assignTask!(firstMate, { pane: worker, task: "run the tests" });
    expect(assigned).toEqual(E.right(`assigned the task to ${worker} (api)`));
    expect(typed()).toEqual(["run the tests"]);
    const terminated = await runtime.toolHost.terminate!(firstMate, { pane: worker });
    expect(terminated).toEqual(E.right(`terminated ${worker} (api)`));
    await runtime.idle();
    const conn = log().filter((text) => text.startsWith("conn action"));
    expect(conn).toEqual([
      expect.stringMatching(/^conn action starting: assign_task api %\d+ task="run the tests"$/),
      expect.stringMatching(/^conn action: assign_task .* — assigned the task/),
      expect.stringMatching(/^conn action starting: terminate api %\d+$/),
      expect.stringMatching(/^conn action: terminate .* — terminated/),
    ]);
  });

  it("a spawn above the budget's high-water mark is deferred by step and starts at the reset", async () => {
    const { runtime, clock, firstMate, workersSpawned, log } = await fleetWithConn(["spawn_worker"]);
    const resetsAt = clock.now() + 120_000;
    expect(E.isRight(await runtime.updateInputs({ usage: { percent: 95, resetsAt } }))).toBe(true);
    const deferred = await runtime.toolHost.spawnWorker!(firstMate, { name: "helper", command: "cat" });
    expect(tagOf(deferred)).toBe("Right");
    expect(textOf(deferred)).toMatch(/^deferred: budget above the 85% high-water mark; helper starts at the reset/);
    expect(workersSpawned()).toBe(0);
    expect(runtime.authority.deferredSpawns()).toHaveLength(1);
    for (let i = 0; i < 10 && workersSpawned() === 0; i++) {
      clock.advance(30_000);
      await runtime.idle();
    }
    expect(workersSpawned()).toBe(1);
    expect(log().some((text) => /^deferred spawn deferred-\d+-tool-\d+ started in %\d+$/.test(text))).toBe(true);
  });

  it("the first mate's own writes (captains_log_append, propose_role_change) are stored by the runtime as commands, in queue order", async () => {
    const { runtime, firstMate, inner, failing } = await fleetWithConn(["assign_task"]);
    const logged = await runtime.toolHost.appendLog(firstMate, { kind: "watch", text: "watch the billing migration" });
    expect(E.isRight(logged) && logged.right).toMatchObject({ kind: "watch", author: "first_mate" });
    expect(inner.snapshot().log.at(-1)?.text).toBe("watch the billing migration");
    const proposed = await runtime.toolHost.proposeRoleChange!(firstMate, { text: "keep the release notes current" });
    expect(textOf(proposed)).toMatch(
      /^proposed as role extension #1; it joins your prompt only if the human approves it$/,
    );
    expect(inner.authoritySnapshot().roleExtensions.map((row) => row.status)).toEqual(["proposed"]);
    failing.appendLog = true;
    const refused = await runtime.toolHost.appendLog(firstMate, { kind: "narrative", text: "not stored" });
    expect(E.isLeft(refused) && refused.left._tag).toBe("ToolFailed");
    expect(inner.snapshot().log.some((entry) => entry.text === "not stored")).toBe(false);
  });

  it("peek reads the screen through a command and answers with it; a stopped runtime refuses tool calls", async () => {
    const { runtime, firstMate, worker } = await fleetWithConn(["assign_task"]);
    const screen = await runtime.toolHost.peek(firstMate, { pane: worker, lines: 5 });
    expect(E.isRight(screen)).toBe(true);
    await runtime.stop();
    const late = await runtime.toolHost.spawnWorker!(firstMate, { name: "helper", command: "cat" });
    expect(tagOf(late)).toBe("ToolRefused");
  });
});

describe("an agent's notify goes through step", () => {
  it("a notify decided on a stale snapshot: a pane the queued observation shows gone raises no interrupt", async () => {
    const clock = createFakeClock();
    const tmux = createFakeTmux(() => clock.now());
    const inner = createFakeStore();
    // The captain's log can be held, so events queue behind a batch as they do behind a slow disk.
    let release: () => void = () => {};
    let held: Promise<void> | null = null;
    const store: StorePort = {
      ...inner,
      appendLog: async (entry) => {
        if (held) await held;
        return inner.appendLog(entry);
      },
    };
    const worker = tmux.addPane({ command: "claude", title: "api work", windowName: "api" });
    const runtime = createRuntime({ tmux, channel: createFakeChannel(), store, clock, launcher, owner: "notify-test" });
    running.push(runtime);
    await runtime.start();
    await runtime.idle();
    held = new Promise<void>((resolve) => {
      release = resolve;
    });
    // The worker's window closes (an observation is asked for), and a batch that writes the log holds the queue.
    tmux.killPaneExternally(worker);
    void runtime.dispatch({ type: "IdentityConflictDetected", now: clock.now(), paneId: worker, detail: "hold" });
    await new Promise((resolve) => setTimeout(resolve, 10));
    // The observation that shows the pane gone waits in the queue; the call comes now.
    const answer = runtime.toolHost.notify(worker, { kind: "need_human", message: "which database?" });
    release();
    held = null;
    const settled = await answer;
    await runtime.idle();
    expect(E.isLeft(settled) && settled.left._tag).toBe("ToolRefused");
    expect(textOf(settled)).toContain("is not a live pane of the latest observation");
    expect([...inner.snapshot().outbox.values()].filter((entry) => entry.source === worker)).toEqual([]);
    expect(runtime.state().alerts[worker]).toBeUndefined();
  });
});
