/**
 * End to end, the first mate's inbox: an idle fleet costs no pushes, a
 * status change is pushed once with old → new, and a worker's need_human
 * arrives as an interrupt ahead of the digest that reports it.
 * Real tmux, channel socket, shim and SQLite; see e2eWorld.ts.
 */
import type { Command, PaneId } from "@first-mate/core";
import { afterEach, describe, expect, it } from "vitest";
import {
  createE2eWorld,
  E2E_TIMEOUT_MS,
  type E2eWorld,
  FAST_TIMINGS,
  type HostUnderTest,
  type JournalEntry,
  waitFor,
} from "./e2eWorld.js";

let world: E2eWorld | null = null;
afterEach(async () => {
  await world?.dispose();
  world = null;
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const PUSH_INTERVAL_MS = FAST_TIMINGS.pushIntervalMs!;

const pushes = (w: E2eWorld, kind?: string): JournalEntry[] =>
  w.journal().filter((entry) => entry.type === "push" && (kind === undefined || entry.kind === kind));
const isDigest = (entry: JournalEntry) => entry.kind === "digest_full" || entry.kind === "digest_delta";
const digestEmits = (hut: HostUnderTest) =>
  hut.commands("channel.emit").filter((command) => command.type === "channel.emit" && command.purpose === "digest");

/**
 * Waits until the first mate holds the current picture: attached, nothing in
 * flight, the last pushed digest shows every worker with `statuses`, and the
 * stand-in has journaled every push the host saw delivered.
 */
const settledPicture = async (w: E2eWorld, hut: HostUnderTest, statuses: Record<string, string>) =>
  waitFor(
    "the first mate to hold the settled picture",
    () => {
      const state = hut.host.runtime.state();
      const sent = state.heartbeat.lastSent;
      if (!state.firstMateAttached || state.heartbeat.inFlight !== null || sent === null) return false;
      const shown = Object.entries(statuses).every(([pane, status]) =>
        sent.panes.some((digest) => digest.handle === pane && digest.status === status),
      );
      return shown && pushes(w).length >= hut.events("EmitSucceeded").length;
    },
    { timeoutMs: 60_000 },
  );

describe("pushes to the first mate (end to end)", () => {
  it(
    "idle fleet produces no pushes: after the picture settles, several push intervals pass without a digest",
    async () => {
      world = await createE2eWorld();
      const w = world;
      const hut = await w.startHost();
      const api = await w.spawnWorker(hut.host, "api", [{ atMs: 0, title: "waiting for review" }]);
      const web = await w.spawnWorker(hut.host, "web", [{ atMs: 0, title: "reading the style guide" }]);
      await settledPicture(w, hut, { [api]: "waiting for review", [web]: "reading the style guide" });

      const emitsBefore = digestEmits(hut).length;
      const receivedBefore = pushes(w).filter(isDigest).length;
      expect(receivedBefore).toBeGreaterThan(0);
      await sleep(PUSH_INTERVAL_MS * 4);
      await hut.host.runtime.idle();

      expect(digestEmits(hut).length).toBe(emitsBefore);
      expect(pushes(w).filter(isDigest).length).toBe(receivedBefore);
      // The fleet was observed all along: silence is a decision, not a stall.
      expect(hut.events("FleetObserved").length).toBeGreaterThan(4);
    },
    E2E_TIMEOUT_MS,
  );

  it(
    "status change: exactly one push, carrying the old → new status",
    async () => {
      world = await createE2eWorld();
      const w = world;
      const hut = await w.startHost();
      const api = await w.spawnWorker(hut.host, "api", [{ atMs: 0, title: "running the test suite" }]);
      await settledPicture(w, hut, { [api]: "running the test suite" });
      const receivedBefore = pushes(w).length;

      // The agent's title is its status: set it the way an agent's OSC 2 would land.
      await w.tmux(["select-pane", "-t", api, "-T", "tests green; opening PR"]);
      await waitFor("a delta with the new status", () =>
        pushes(w)
          .slice(receivedBefore)
          .find((entry) => entry.content?.includes("tests green; opening PR")),
      );
      await sleep(PUSH_INTERVAL_MS * 2);
      await hut.host.runtime.idle();

      const after = pushes(w).slice(receivedBefore);
      expect(after.map((entry) => entry.kind)).toEqual(["digest_delta"]);
      expect(after[0]!.content).toContain(`${api} api (claude) "running the test suite" → "tests green; opening PR"`);
      expect(after[0]!.meta?.changes).toBe("1");
    },
    E2E_TIMEOUT_MS,
  );

  it(
    "need_human: the worker's notify reaches the first mate as an interrupt with seq, before the next digest",
    async () => {
      world = await createE2eWorld();
      const w = world;
      const hut = await w.startHost();
      await waitFor("the first full picture", () => pushes(w, "digest_full")[0]);
      const receivedBefore = pushes(w).length;

      const question = "May I add react-query as a dependency?";
      const web = await w.spawnWorker(hut.host, "web", [
        { atMs: 0, title: "building the landing page" },
        { atMs: 0, notify: { kind: "need_human", message: question } },
      ]);
      const interrupt = await waitFor("the interrupt at the first mate", () =>
        pushes(w, "interrupt").find((entry) => entry.content?.includes(question)),
      );
      const blockedDigest = await waitFor("the digest that reports the pane blocked", () =>
        pushes(w)
          .slice(receivedBefore)
          .find(
            (entry) =>
              isDigest(entry) &&
              (entry.content ?? "").split("\n").some((line) => line.includes(web) && line.includes("BLOCKED")),
          ),
      );

      expect(interrupt.meta).toMatchObject({ kind: "interrupt", interrupt: "need_human", source: web, seq: "1" });
      expect(interrupt.content).toBe(`[interrupt #1] NEEDS A HUMAN ${web} web: ${question}`);
      const order = pushes(w).map((entry) => entry.content);
      expect(order.indexOf(interrupt.content)).toBeLessThan(order.indexOf(blockedDigest.content));
      expect(interrupt.at).toBeLessThanOrEqual(blockedDigest.at);
      // Delivered, hence gone from the durable outbox.
      await waitFor("the outbox to drain", () => hut.host.runtime.status().outboxDepth === 0);
      const emitted = hut
        .commands("channel.emit")
        .filter((command): command is Extract<Command, { type: "channel.emit" }> => command.type === "channel.emit")
        .filter((command) => command.purpose === "interrupt");
      expect(emitted.map((command) => command.meta.source as PaneId)).toEqual([web]);
    },
    E2E_TIMEOUT_MS,
  );
});
