/**
 * The `first-mate` bin as a real process (from sources through tsx): the
 * store commands print what the SQLite file holds, the kill switch round
 * trips, and bad flags or a bad config file fail with a readable message.
 */
import { execFile, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { PaneId } from "@first-mate/core";
import { openSqliteStore } from "@first-mate/store-sqlite";
import * as E from "fp-ts/lib/Either.js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RunLineJson } from "../../src/commands/jsonContract.js";
import { createE2eWorld, E2E_TIMEOUT_MS, type E2eWorld, waitFor } from "./e2eWorld.js";

const require = createRequire(import.meta.url);
const BIN = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "src", "bin.ts");

interface Ran {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

let dir = "";

/** Runs `first-mate …args` and resolves with its exit code and output (never rejects on exit codes). */
const binArgv = (args: readonly string[]) => [
  "--conditions=@first-mate/source",
  "--import",
  require.resolve("tsx"),
  BIN,
  ...args,
];

const firstMate = (...args: string[]): Promise<Ran> =>
  new Promise((resolve, reject) => {
    const env = { ...process.env, XDG_CONFIG_HOME: join(dir, "config"), XDG_STATE_HOME: join(dir, "state") };
    execFile(process.execPath, binArgv(args), { env, timeout: 60_000 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== "number") return reject(error);
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
    });
  });

/** A store holding a first mate, two starts, three log entries and one pending interrupt. */
const seedStore = async (path: string) => {
  const opened = openSqliteStore({ path });
  if (E.isLeft(opened)) throw new Error("cannot open the store");
  const store = opened.right;
  const ok = <T>(result: E.Either<unknown, T>) => {
    if (E.isLeft(result)) throw new Error(JSON.stringify(result.left));
    return result.right;
  };
  ok(
    await store.recordStart(
      {
        attempt: 1,
        startedAt: 1_000,
        endedAt: 2_000,
        paneId: "%3" as PaneId,
        outcome: "unstable",
      },
      0,
    ),
  );
  ok(
    await store.recordStart(
      {
        attempt: 2,
        startedAt: 3_000,
        endedAt: null,
        paneId: "%7" as PaneId,
        outcome: "running",
      },
      0,
    ),
  );
  ok(await store.setMarker({ paneId: "%7" as PaneId, tokenHash: "ab".repeat(32), spawnedAt: 3_000, attempt: 2 }, 0));
  ok(await store.appendLog({ kind: "standing_order", text: "never merge on Fridays", at: 4_000, author: "human" }));
  ok(await store.appendLog({ kind: "watch", text: "PR #42 waits for review", at: 5_000, author: "first_mate" }));
  ok(await store.appendLog({ kind: "narrative", text: "first mate spawned in %7", at: 6_000, author: "kit" }));
  ok(
    await store.enqueueOutbox(
      {
        seq: 1,
        source: "%9" as PaneId,
        kind: "need_human",
        message: "may I?",
        createdAt: 7_000,
      },
      0,
    ),
  );
  await store.close();
};

let world: E2eWorld | null = null;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "fm-e2e-bin-"));
});
afterEach(async () => {
  await world?.dispose();
  world = null;
  rmSync(dir, { recursive: true, force: true });
});

describe("first-mate bin (real process)", () => {
  it(
    "status --json, log and log --kind print what the store holds",
    async () => {
      const db = join(dir, "first-mate.db");
      await seedStore(db);
      const [status, text, log, watch] = await Promise.all([
        firstMate("status", "--db", db, "--json"),
        firstMate("status", "--db", db),
        firstMate("log", "--db", db),
        firstMate("log", "--db", db, "--kind", "watch", "--json"),
      ]);

      expect(status).toMatchObject({ code: 0, stderr: "" });
      expect(JSON.parse(status.stdout)).toMatchObject({
        firstMate: { pane: "%7", attempt: 2, spawnedAt: 3_000 },
        killSwitch: false,
        gaveUp: false,
        outboxDepth: 1,
        lastStart: { attempt: 2, outcome: "running" },
      });

      expect(text.code).toBe(0);
      expect(text.stdout).toMatch(/first mate\s+%7 \(attempt 2, since /);
      expect(text.stdout).toMatch(/kill switch\s+off/);
      expect(text.stdout).toMatch(/outbox\s+1 undelivered interrupts/);

      expect(log.code).toBe(0);
      const lines = log.stdout.trim().split("\n");
      expect(lines).toHaveLength(3);
      // Newest first, with kind and author.
      expect(lines[0]).toMatch(/^#3 .* \[narrative\] \(kit\) first mate spawned in %7$/);
      expect(lines[2]).toMatch(/^#1 .* \[standing_order\] \(human\) never merge on Fridays$/);

      expect(watch.code).toBe(0);
      const entries = JSON.parse(watch.stdout);
      expect(entries).toEqual([
        { id: 2, kind: "watch", text: "PR #42 waits for review", at: 5_000, author: "first_mate" },
      ]);
    },
    E2E_TIMEOUT_MS,
  );

  it(
    "disable and enable flip the kill switch in the store",
    async () => {
      const db = join(dir, "first-mate.db");
      const killSwitch = async () => {
        const opened = openSqliteStore({ path: db });
        if (E.isLeft(opened)) throw new Error("cannot open the store");
        const on = await opened.right.readKillSwitch();
        await opened.right.close();
        return E.isRight(on) ? on.right : "unreadable";
      };
      const disabled = await firstMate("disable", "--db", db);
      expect(disabled).toMatchObject({ code: 0 });
      expect(disabled.stdout).toContain("kill switch ON");
      expect(await killSwitch()).toBe(true);

      const enabled = await firstMate("enable", "--db", db);
      expect(enabled).toMatchObject({ code: 0 });
      expect(enabled.stdout).toContain("kill switch off");
      expect(await killSwitch()).toBe(false);
    },
    E2E_TIMEOUT_MS,
  );

  it(
    "--help, --version, bad flags, an unknown command and bad option values: exit codes from the real process",
    async () => {
      const db = join(dir, "first-mate.db");
      const [help, version, badFlag, unknown, badKind, badAgent] = await Promise.all([
        firstMate("--help"),
        firstMate("-V"),
        firstMate("status", "--db", db, "--no-such-flag"),
        firstMate("launch-the-boats", "--db", db),
        firstMate("log", "--db", db, "--kind", "gossip"),
        firstMate("status", "--db", db, "--agent", "robot"),
      ]);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain("Usage: first-mate");
      expect(version.code).toBe(0);
      expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
      expect(badFlag.code).toBe(2);
      expect(badFlag.stderr).toContain("--no-such-flag");
      expect(badFlag.stderr).toContain("--help");
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toContain("unknown command 'launch-the-boats'");
      expect(badKind.code).toBe(2);
      expect(badKind.stderr).toContain("standing_order, watch, narrative");
      expect(badKind.stdout).toBe("");
      // status takes no --agent at all.
      expect(badAgent.code).toBe(2);
      expect(badAgent.stderr).toContain("unknown option '--agent'");
      expect(existsSync(db)).toBe(false);
    },
    E2E_TIMEOUT_MS,
  );

  it(
    "an invalid config file gives a readable error naming the file or the field",
    async () => {
      const notJson = join(dir, "broken.json");
      writeFileSync(notJson, "{ tmux: ");
      const wrongShape = join(dir, "wrong.json");
      writeFileSync(wrongShape, JSON.stringify({ agent: { kind: "robot" }, core: { tickMs: -5 } }));
      const [broken, wrong, missing] = await Promise.all([
        firstMate("status", "--config", notJson),
        firstMate("status", "--config", wrongShape),
        firstMate("status", "--config", join(dir, "absent.json")),
      ]);
      expect(broken.code).toBe(2);
      expect(broken.stderr).toContain(`cannot read config ${notJson}`);
      expect(wrong.code).toBe(2);
      expect(wrong.stderr).toContain("invalid configuration");
      expect(wrong.stderr).toMatch(/agent\.kind: /);
      expect(wrong.stderr).toMatch(/core\.tickMs: /);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain("absent.json");
      for (const ran of [broken, wrong, missing]) expect(ran.stderr).not.toMatch(/\n\s+at /);
    },
    E2E_TIMEOUT_MS,
  );

  it(
    "run --json supervises from a config file: JSON Lines in the documented vocabulary (no internal events, no hashes), one spawn, the attach, a clean SIGTERM",
    async () => {
      world = await createE2eWorld();
      const w = world;
      const config = join(dir, "host.json");
      const { core, ...rest } = w.config();
      writeFileSync(config, JSON.stringify({ ...rest, core: { tickMs: core.tickMs, leaseTtlMs: core.leaseTtlMs } }));
      const child = spawn(process.execPath, binArgv(["run", "--config", config, "--json"]), {
        env: { ...process.env, XDG_CONFIG_HOME: join(dir, "config"), XDG_STATE_HOME: join(dir, "state") },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (chunk: Buffer) => {
        stdout += chunk.toString();
      });
      child.stderr.on("data", (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
      const lines = () =>
        stdout
          .split("\n")
          .filter((line) => line.trim() !== "")
          .map((line) => RunLineJson.parse(JSON.parse(line)));
      try {
        await waitFor("the first mate to attach", () => lines().some((line) => line.type === "attached"), {
          describe: () => `stdout:\n${stdout}\nstderr:\n${stderr}`,
        });
      } finally {
        child.kill("SIGTERM");
      }
      expect(await exited).toBe(0);
      const all = lines();
      expect(all.filter((line) => line.type === "started")).toHaveLength(1);
      expect(all.filter((line) => line.type === "spawning")).toHaveLength(1);
      expect(all[all.length - 1]?.type).toBe("stopped");
      const attached = all.find((line) => line.type === "attached");
      expect(attached?.type === "attached" && (await w.firstMateWindowPanes())).toEqual([
        attached?.type === "attached" ? attached.pane : null,
      ]);
      // The runtime's internal events carried the spawn token's hash; the stream never does.
      expect(stdout.toLowerCase()).not.toContain("hash");
      expect(stdout).not.toContain("tokenHash");
    },
    E2E_TIMEOUT_MS,
  );
});
