/**
 * End to end, the supervisor's side: the first spawn, a killed first mate
 * respawned with the whole picture, and a first mate that exits at launch
 * (bounded spawns, then an alert). Real tmux, real channel socket and shim,
 * real SQLite file, stand-in agents; see e2eWorld.ts.
 */
import type { Command, PaneId } from "@first-mate/core";
import * as E from "fp-ts/lib/Either.js";
import { afterEach, describe, expect, it } from "vitest";
import { statusCommand } from "../../src/commands/storeCommands.js";
import { createE2eWorld, E2E_TIMEOUT_MS, type E2eWorld, waitFor } from "./e2eWorld.js";

let world: E2eWorld | null = null;
afterEach(async () => {
  await world?.dispose();
  world = null;
});

const markerOf = (command: Command) => (command.type === "store.setMarker" ? command.marker : null);

describe("first mate lifecycle (end to end)", () => {
  it(
    "first spawn: exactly one first mate, marked in a live bridge:first-mate pane, attached and given the full picture",
    async () => {
      world = await createE2eWorld();
      const w = world;
      const { host, commands, events } = await w.startHost();

      const marker = await waitFor("a marker", () => host.runtime.status().firstMate ?? undefined);
      const attached = await waitFor("the first mate to attach", () =>
        events("ChannelAttached").find((event) => event.type === "ChannelAttached" && event.firstMate),
      );
      const fullPush = await waitFor("a digest_full push at the first mate", () =>
        w.journal().find((entry) => entry.type === "push" && entry.kind === "digest_full"),
      );

      const stored = await host.store.hydrate();
      expect(E.isRight(stored) && stored.right.marker?.paneId).toBe(marker.paneId);
      const listing = await w.tmux([
        "list-panes",
        "-a",
        "-F",
        "#{pane_id}\t#{session_name}\t#{window_name}\t#{pane_dead}",
      ]);
      const row = listing
        .split("\n")
        .map((line) => line.split("\t"))
        .find(([pane]) => pane === marker.paneId);
      expect(row?.slice(1)).toEqual(["bridge", "first-mate", "0"]);
      expect(await w.firstMateWindowPanes()).toEqual([marker.paneId]);
      expect(attached.type === "ChannelAttached" && attached.paneId).toBe(marker.paneId);
      expect(fullPush.pane).toBe(marker.paneId);
      expect(fullPush.content).toContain("[fleet — full picture]");
      expect(commands("tmux.spawn")).toHaveLength(1);
    },
    E2E_TIMEOUT_MS,
  );

  it(
    "first mate killed: respawned within 1 s (kill → new marker) and the new one gets the whole picture",
    async () => {
      world = await createE2eWorld();
      const w = world;
      const { host, reports } = await w.startHost();
      await w.spawnWorker(host, "api", [{ atMs: 0, title: "refactoring the auth module" }]);

      const first = await waitFor("the first mate's full picture", () =>
        w.journal().find((entry) => entry.type === "push" && entry.kind === "digest_full"),
      );
      const oldPane = first.pane as PaneId;
      // Past minUptimeMs, the death is a stable end: no backoff applies.
      await waitFor(
        "the first mate to outlive minUptimeMs",
        () => Date.now() - (host.runtime.status().firstMate?.spawnedAt ?? Date.now()) > 1_500,
      );

      const killedAt = Date.now();
      const killed = await host.tmux.kill(oldPane);
      expect(E.isRight(killed)).toBe(true);

      const respawn = await waitFor("a new marker", () =>
        reports.find(
          ({ report }) =>
            report.type === "command" &&
            report.at >= killedAt &&
            (markerOf(report.command)?.paneId ?? oldPane) !== oldPane,
        ),
      );
      const newPane = markerOf((respawn.report as { command: Command }).command)!.paneId;
      const latencyMs = respawn.report.at - killedAt;

      const fresh = await waitFor("a digest_full push at the new first mate", () =>
        w.journal().find((entry) => entry.type === "push" && entry.kind === "digest_full" && entry.pane === newPane),
      );
      expect(newPane).not.toBe(oldPane);
      expect(fresh.content).toContain("refactoring the auth module");
      expect(await w.firstMateWindowPanes()).toEqual([newPane]);
      console.info(`first mate respawn: kill → new marker ${latencyMs} ms`);
      // The issue asks for this bound explicitly (docs/design.md, Targets: death → new marked pane ≤ 1 s).
      expect(latencyMs, `kill → new marker took ${latencyMs} ms`).toBeLessThanOrEqual(1_000);
    },
    E2E_TIMEOUT_MS,
  );

  it(
    "first mate that exits at launch: bounded spawns, then a first_mate_crash_loop alert and gaveUp in the store",
    async () => {
      world = await createE2eWorld();
      const w = world;
      const maxStarts = 3;
      const { host, commands, reports } = await w.startHost({
        agent: { kind: "command", argv: ["/bin/sh", "-c", "exit 1"] },
        core: { maxStarts, startWindowMs: 120_000, backoffBaseMs: 100, backoffMaxMs: 400 },
      });

      const alert = await waitFor("the crash-loop alert", () =>
        reports.find(({ report }) => report.type === "alert" && report.code === "first_mate_crash_loop"),
      );
      expect(alert.report.type === "alert" && alert.report.level).toBe("critical");
      // A while longer: the supervisor stays given up.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      await host.runtime.idle();
      expect(commands("tmux.spawn").length).toBeLessThanOrEqual(maxStarts);
      expect(commands("tmux.spawn").length).toBeGreaterThan(0);
      expect(host.runtime.status().gaveUp).toBe(true);

      const lines: string[] = [];
      const code = await statusCommand(w.config(), true, { out: (line) => lines.push(line), err: () => {} });
      expect(code).toBe(0);
      const status = JSON.parse(lines.join("\n")) as { gaveUp: boolean; firstMate: unknown; starts: number };
      expect(status.gaveUp).toBe(true);
      expect(status.firstMate).toBeNull();
      expect(status.starts).toBeLessThanOrEqual(maxStarts);
    },
    E2E_TIMEOUT_MS,
  );
});
