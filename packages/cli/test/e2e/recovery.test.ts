/**
 * End to end, what survives: interrupts raised while no first mate is
 * attached wait in the durable outbox and arrive in order on attach; a
 * restarted host recovers the first mate from the store instead of spawning
 * a second; two hosts on one store yield one lease holder and one first mate.
 * Real tmux, channel socket, shim and SQLite; see e2eWorld.ts.
 */
import { join } from "node:path";
import * as E from "fp-ts/lib/Either.js";
import { afterEach, describe, expect, it } from "vitest";
import { killSwitchCommand } from "../../src/commands/storeCommands.js";
import { createE2eWorld, E2E_TIMEOUT_MS, type E2eWorld, type HostUnderTest, waitFor } from "./e2eWorld.js";

let world: E2eWorld | null = null;
afterEach(async () => {
  await world?.dispose();
  world = null;
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Lets `count` more observations pass on `hut` (ticks keep coming every tickMs). */
const observations = async (hut: HostUnderTest, count: number) => {
  const target = hut.events("FleetObserved").length + count;
  await waitFor(`${count} more observations`, () => hut.events("FleetObserved").length >= target);
};

/**
 * Starts two hosts on the world's one store, each on its own channel socket,
 * and waits until exactly one of them holds the lease.
 */
const startTwoHosts = async (w: E2eWorld) => {
  const [a, b] = await Promise.all([
    w.startHost(),
    w.startHost({ socketPath: join(w.dir, "channel-b", "channel.sock") }),
  ]);
  const holders = () => [a, b].filter((hut) => hut.host.runtime.status().leaseHeld);
  const holder = await waitFor("one lease holder", () => (holders().length === 1 ? holders()[0] : undefined));
  return { a, b, holders, holder };
};

describe("recovery (end to end)", () => {
  it(
    "interrupts raised while no first mate is attached are delivered in seq order when it attaches",
    async () => {
      world = await createE2eWorld();
      const w = world;
      // The kill switch keeps the first mate absent; set through the CLI's own command.
      expect(await killSwitchCommand(w.config(), true, false, { out: () => {}, err: () => {} })).toBe(0);
      const hut = await w.startHost();

      const questions = ["May I bump the lockfile?", "May I delete the legacy API?", "Which region for staging?"];
      const worker = await w.spawnWorker(hut.host, "api", [
        { atMs: 0, title: "migrating the API" },
        ...questions.map((message) => ({ atMs: 0, notify: { kind: "need_human" as const, message } })),
      ]);
      await waitFor("three queued interrupts", () => hut.host.runtime.status().outboxDepth === questions.length);
      const stored = await hut.host.store.hydrate();
      expect(E.isRight(stored) && stored.right.outbox.map((entry) => entry.message)).toEqual(questions);
      expect(hut.commands("tmux.spawn")).toHaveLength(0);
      expect(await w.firstMateWindowPanes()).toEqual([]);
      expect(w.journal()).toEqual([]);

      await hut.host.runtime.setKillSwitch(false);
      await waitFor("three interrupts at the first mate", () =>
        w.journal().filter((entry) => entry.kind === "interrupt").length >= questions.length ? true : undefined,
      );
      const interrupts = w.journal().filter((entry) => entry.kind === "interrupt");
      expect(interrupts.map((entry) => entry.meta?.seq)).toEqual(["1", "2", "3"]);
      expect(interrupts.map((entry) => entry.content)).toEqual(
        questions.map((message, i) => `[interrupt #${i + 1}] NEEDS A HUMAN ${worker} api: ${message}`),
      );
      await waitFor("the durable outbox to drain", async () => {
        const now = await hut.host.store.hydrate();
        return E.isRight(now) && now.right.outbox.length === 0;
      });
    },
    E2E_TIMEOUT_MS,
  );

  it(
    "host restarted: state recovered from the store, the same first mate stays marked, no second spawn",
    async () => {
      world = await createE2eWorld();
      const w = world;
      const first = await w.startHost();
      const marker = await waitFor("the first mate to attach", () => {
        const status = first.host.runtime.status();
        return status.firstMateAttached ? status.firstMate : undefined;
      });
      const startsBefore = await first.host.store.hydrate();
      await first.host.stop();
      expect(await w.firstMateWindowPanes()).toEqual([marker!.paneId]);

      const second = await w.startHost();
      await waitFor("the lease", () => second.host.runtime.status().leaseHeld);
      await observations(second, 5);
      // The shim reconnects: the same first mate attaches to the new host.
      await waitFor("the first mate to attach to the new host", () =>
        second.events("ChannelAttached").some((event) => event.type === "ChannelAttached" && event.firstMate),
      );
      await observations(second, 3);

      expect(second.host.runtime.status().firstMate).toEqual(marker);
      expect(second.commands("tmux.spawn")).toHaveLength(0);
      expect(second.commands("tmux.kill")).toHaveLength(0);
      expect(await w.firstMateWindowPanes()).toEqual([marker!.paneId]);
      const startsAfter = await second.host.store.hydrate();
      expect(E.isRight(startsAfter) && startsAfter.right.ledger.length).toBe(
        E.isRight(startsBefore) && startsBefore.right.ledger.length,
      );
      expect(E.isRight(startsAfter) && startsAfter.right.marker).toEqual(marker);
    },
    E2E_TIMEOUT_MS,
  );

  it(
    "two hosts on one store at once: one holds the lease and exactly one first mate exists",
    async () => {
      world = await createE2eWorld();
      const w = world;
      const { a, b, holders, holder } = await startTwoHosts(w);
      const marker = await waitFor("the first mate to attach to the holder", () => {
        const status = holder.host.runtime.status();
        return status.firstMateAttached ? status.firstMate : undefined;
      });
      await Promise.all([observations(a, 8), observations(b, 8)]);
      await sleep(0);

      expect(holders()).toEqual([holder]);
      expect(a.commands("tmux.spawn").length + b.commands("tmux.spawn").length).toBe(1);
      expect(await w.firstMateWindowPanes()).toEqual([marker!.paneId]);
      expect(holder.host.runtime.status().firstMate).toEqual(marker);
      const stored = await holder.host.store.hydrate();
      expect(E.isRight(stored) && stored.right.ledger.map((record) => record.attempt)).toEqual([1]);
    },
    E2E_TIMEOUT_MS,
  );

  it(
    "lease handover: the standby takes the lease and adopts the live first mate instead of spawning a second",
    async () => {
      world = await createE2eWorld();
      const w = world;
      const { a, b, holder } = await startTwoHosts(w);
      const standby = holder === a ? b : a;
      // Once observed, the marker names the pane's pid and tmux server too: the standby must adopt exactly that.
      const marker = await waitFor("the holder's first mate, pinned to its pane", () => {
        const firstMate = holder.host.runtime.status().firstMate;
        return firstMate?.panePid && firstMate.tmuxServer ? firstMate : undefined;
      });
      await observations(standby, 3);

      await holder.host.stop();
      await waitFor("the standby to take the lease", () => standby.host.runtime.status().leaseHeld);
      await observations(standby, 6);

      expect(standby.host.runtime.status().firstMate).toEqual(marker);
      expect(standby.commands("tmux.spawn")).toHaveLength(0);
      expect(standby.commands("tmux.kill")).toHaveLength(0);
      expect(await w.firstMateWindowPanes()).toEqual([marker.paneId]);
    },
    E2E_TIMEOUT_MS,
  );
});
