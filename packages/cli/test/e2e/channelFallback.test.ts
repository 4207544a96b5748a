/**
 * End to end, delivery you can trust: a first mate whose channel is silently
 * off (the stand-in playing a channel-less agent: its session accepts every
 * push and drops it) gets a typed wake-up in its pane, pulls `fleet_digest`
 * and `inbox` through the real shim, and what it pulls is what counts; a
 * first mate that hears its channel is confirmed and never typed at. Real
 * tmux, socket, shim and SQLite; see e2eWorld.ts.
 */
import * as E from "fp-ts/lib/Either.js";
import { afterEach, describe, expect, it } from "vitest";
import type { StatusJson } from "../../src/commands/jsonContract.js";
import { statusCommand } from "../../src/commands/storeCommands.js";
import { createE2eWorld, E2E_TIMEOUT_MS, type E2eWorld, waitFor } from "./e2eWorld.js";

let world: E2eWorld | null = null;
afterEach(async () => {
  await world?.dispose();
  world = null;
});

const statusJson = async (w: E2eWorld): Promise<StatusJson> => {
  const lines: string[] = [];
  const code = await statusCommand(w.config(), true, { out: (line) => lines.push(line), err: () => {} });
  expect(code).toBe(0);
  return JSON.parse(lines.join("\n")) as StatusJson;
};

describe("channel delivery (end to end)", () => {
  it(
    "channel silently off: one alert, a wake-up typed into the first mate's pane, and what it pulls is delivered",
    async () => {
      world = await createE2eWorld();
      const w = world;
      const confirmMs = 2_000;
      const hut = await w.startHost({
        agent: { kind: "stand-in", logFile: w.journalPath, ignoresChannel: true },
        core: { channelConfirmMs: confirmMs },
      });
      const { host } = hut;
      await w.spawnWorker(host, "api", [
        { atMs: 0, title: "running the test suite" },
        { atMs: 6_000, notify: { kind: "need_human", message: "may I bump the lockfile?" } },
      ]);
      const marker = await waitFor("a marker", () => host.runtime.status().firstMate ?? undefined);

      // The first wake-up: typed into the pane, answered by pulling the digest through the shim.
      const woken = await waitFor(
        "the first mate to answer a wake-up",
        () => w.journal().find((entry) => entry.type === "wake_up"),
        {
          describe: () =>
            `status ${JSON.stringify(host.runtime.status())}; journal ${w
              .journal()
              .map((entry) => entry.type)
              .join(",")}; commands ${hut
              .commands()
              .map((command) => command.type)
              .filter((type) => !type.startsWith("store.renew") && type !== "fleet.observe" && type !== "timer.wakeAt")
              .join(",")}`,
        },
      );
      expect(woken.pane).toBe(marker.paneId);
      expect(woken.text ?? (woken as unknown as { digest: string }).digest).toContain("running the test suite");
      const screen = await w.tmux(["capture-pane", "-p", "-t", marker.paneId, "-S", "-200"]);
      expect(screen).toMatch(
        /(fleet picture waiting|\d+ fleet changes?), \d+ interrupts? waiting — call fleet_digest \/ inbox/,
      );
      // The pushes reached its session and were dropped: it never saw one.
      expect(w.journal().filter((entry) => entry.type === "push")).toEqual([]);
      // The push arrives over the socket and the wake-up through the pane: nothing orders the two
      // journal lines, so wait for the dropped push rather than assume it came first.
      await waitFor("a dropped push in the journal", () => w.journal().some((entry) => entry.type === "push_dropped"));
      expect(w.journal().some((entry) => entry.type === "push_dropped")).toBe(true);

      const status = host.runtime.status();
      expect(status.channel).toBe("unavailable");
      expect(status.wakeUps).toBeGreaterThanOrEqual(1);
      const alerts = hut.reports.filter(
        ({ report }) => report.type === "alert" && report.code === "channel_unavailable",
      );
      expect(alerts).toHaveLength(1);
      // The first wake-up came within the confirmation deadline plus one tick of the first accepted push:
      // it was sent without waiting for a later tick than the deadline's. (Wall-clock numbers
      // on a loaded machine are printed, not asserted; the fake world pins the bound exactly.)
      const reports = hut.reports;
      const acceptedIndex = reports.findIndex(
        ({ report }) => report.type === "event" && report.event.type === "EmitSucceeded",
      );
      const accepted = reports[acceptedIndex]!;
      const acceptedNow = accepted.report.type === "event" ? accepted.report.event.now : 0;
      const deadlineTick = reports.findIndex(
        ({ report }, index) =>
          index > acceptedIndex &&
          report.type === "event" &&
          report.event.type === "Ticked" &&
          report.event.now >= acceptedNow + confirmMs,
      );
      const typedIndex = reports.findIndex(
        ({ report }) => report.type === "command" && report.command.type === "tmux.sendText",
      );
      const ticksBetween = reports.filter(
        ({ report }, index) =>
          index > deadlineTick && index < typedIndex && report.type === "event" && report.event.type === "Ticked",
      ).length;
      expect(deadlineTick).toBeGreaterThan(acceptedIndex);
      expect(typedIndex).toBeGreaterThan(deadlineTick);
      // Decided by the observation the deadline started — or, when that observation outlasts the
      // 300 ms test tick on a loaded machine, by the next tick's at the latest.
      expect(ticksBetween).toBeLessThanOrEqual(1);
      console.log(
        `channel unavailable → first typed wake-up: ${reports[typedIndex]!.seenAt - accepted.seenAt} ms after the first accepted push (deadline ${confirmMs} ms)`,
      );

      // An interrupt wakes it at once; inbox hands it over and marks it delivered.
      const inboxed = await waitFor("the interrupt pulled through inbox", () =>
        w
          .journal()
          .find(
            (entry) =>
              entry.type === "wake_up" &&
              String((entry as { inbox?: string }).inbox).includes("may I bump the lockfile?"),
          ),
      );
      expect(String((inboxed as { line?: string }).line)).toMatch(/1 interrupt waiting/);
      await waitFor("the outbox to drain", async () => {
        const hydrated = await host.store.hydrate();
        return E.isRight(hydrated) && hydrated.right.outbox.length === 0;
      });

      const json = await statusJson(w);
      expect(json.live?.channel).toBe("unavailable");
      expect(json.live?.wakeUps).toBeGreaterThanOrEqual(2);
    },
    E2E_TIMEOUT_MS,
  );

  it(
    "channel heard: the stand-in names each push, the channel is confirmed, and nothing is typed into its pane",
    async () => {
      world = await createE2eWorld();
      const w = world;
      const hut = await w.startHost({ core: { channelConfirmMs: 2_000 } });
      const { host } = hut;
      await w.spawnWorker(host, "api", [{ atMs: 0, title: "running the test suite" }]);
      await waitFor("the channel to be confirmed", () => host.runtime.status().channel === "confirmed");
      // The host confirms the channel when the stand-in's `inbox {ack}` call arrives; the stand-in
      // journals the ack only once that call's reply is back, so wait for the journal line itself.
      const acks = await waitFor("the stand-in to journal its ack", () => {
        const journaled = w.journal().filter((entry) => entry.type === "ack");
        return journaled.length > 0 ? journaled : undefined;
      });
      expect(acks.length).toBeGreaterThan(0);
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      expect(host.runtime.status().channel).toBe("confirmed");
      expect(hut.commands("tmux.sendText")).toEqual([]);
      expect((await statusJson(w)).live?.channel).toBe("confirmed");
    },
    E2E_TIMEOUT_MS,
  );
});
