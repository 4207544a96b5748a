/**
 * End to end, two hosts on one PostgreSQL store on one machine, each a real
 * `first-mate run` process (from sources through tsx) on the same tmux
 * server and the same channel socket (the second a standby): exactly one
 * first mate; kill -9 the lease holder and the other takes the lease within
 * lease TTL + one tick, adopts the live first mate instead of spawning a
 * second, and delivers the interrupts in order; restart PostgreSQL while
 * both run and nothing acknowledged is lost, no second first mate appears,
 * and both recover; with PostgreSQL away for longer than the lease, neither
 * host holds the lease or decides anything, and afterwards one holder keeps
 * the same first mate. A private throwaway cluster (it is restarted here).
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { LeaseState, PaneId } from "@first-mate/core";
import { createTmuxDriver } from "@first-mate/driver-tmux";
import { openPostgresStore, type PostgresStore } from "@first-mate/store-postgres";
import { startThrowawayPostgres, type ThrowawayPostgres } from "@first-mate/store-postgres/testing";
import * as E from "fp-ts/lib/Either.js";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { RunLineJson } from "../../src/commands/jsonContract.js";
import { nodeScriptArgv } from "../../src/host/nodeScript.js";
import type { WorkerScript } from "../../src/standIn/standInWorker.js";
import { createE2eWorld, E2E_TIMEOUT_MS, type E2eWorld, FAST_TIMINGS, waitFor } from "./e2eWorld.js";

const require = createRequire(import.meta.url);
const BIN = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "src", "bin.ts");

const TICK_MS = FAST_TIMINGS.tickMs!;
const LEASE_TTL_MS = FAST_TIMINGS.leaseTtlMs!;

interface RunningHost {
  readonly name: string;
  readonly child: ChildProcessWithoutNullStreams;
  readonly lines: () => RunLineJson[];
  readonly output: () => string;
  readonly exited: Promise<number | string>;
}

let server: ThrowawayPostgres;
let world: E2eWorld | null = null;
const hosts: RunningHost[] = [];
const stores: PostgresStore[] = [];
let round = 0;

beforeAll(async () => {
  server = await startThrowawayPostgres();
}, 60_000);
afterAll(async () => {
  await server?.stop();
});
afterEach(async () => {
  for (const host of hosts.splice(0)) {
    if (host.child.exitCode === null && host.child.signalCode === null) {
      host.child.kill("SIGKILL");
      await host.exited;
    }
  }
  for (const store of stores.splice(0)) await store.close();
  await world?.dispose();
  world = null;
});

/** Starts `first-mate run --json` for host `name` on the shared store and socket. */
const startRunHost = (w: E2eWorld, schema: string, name: string): RunningHost => {
  const config = join(w.dir, `${name}.json`);
  writeFileSync(
    config,
    JSON.stringify({
      tmux: { socketName: w.socketName },
      store: { kind: "postgres", url: server.url, schema },
      socketPath: w.socketPath,
      channelStandby: true,
      stateDir: join(w.dir, `state-${name}`),
      cwd: w.dir,
      agent: { kind: "stand-in", logFile: w.journalPath },
      core: FAST_TIMINGS,
    }),
  );
  const child = spawn(
    process.execPath,
    ["--conditions=@first-mate/source", "--import", require.resolve("tsx"), BIN, "run", "--config", config, "--json"],
    { env: { ...process.env, XDG_STATE_HOME: join(w.dir, `xdg-${name}`) }, stdio: ["pipe", "pipe", "pipe"] },
  );
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | string>((resolve) =>
    child.once("exit", (code, signal) => resolve(code ?? signal ?? "unknown")),
  );
  const host: RunningHost = {
    name,
    child,
    exited,
    lines: () =>
      stdout
        .split("\n")
        .filter((line) => line.trim() !== "")
        .map((line) => RunLineJson.parse(JSON.parse(line))),
    output: () => `${name} stdout:\n${stdout}\n${name} stderr:\n${stderr}`,
  };
  hosts.push(host);
  return host;
};

const openTestStore = async (schema: string): Promise<PostgresStore> => {
  const opened = await openPostgresStore({ url: server.url, schema, connectTimeoutMs: 1000 });
  if (E.isLeft(opened)) throw new Error(opened.left.message);
  stores.push(opened.right);
  return opened.right;
};

const leaseOf = async (store: PostgresStore): Promise<LeaseState | undefined> => {
  const lease = await store.readLease();
  return E.isRight(lease) ? lease.right : undefined;
};

/** The pid in a lease owner id (`host:pid:random`). */
const pidOf = (owner: string | null): number => Number(owner?.split(":")[1]);

/** Starts two run hosts and waits until one holds the lease and the first mate attached to it. */
const startPair = async (w: E2eWorld, schema: string) => {
  const a = startRunHost(w, schema, "a");
  await waitFor("host a to start", () => a.lines().some((line) => line.type === "started"), {
    describe: a.output,
  });
  const b = startRunHost(w, schema, "b");
  const store = await openTestStore(schema);
  const describe = () => `${a.output()}\n${b.output()}`;
  // Both hosts run before a test takes the server away: b opens its store when it starts, which
  // on a loaded machine can come after a's first mate attached.
  await waitFor("host b to start", () => b.lines().some((line) => line.type === "started"), { describe });
  const attached = await waitFor(
    "the first mate to attach to a host",
    () => [a, b].flatMap((host) => host.lines().filter((line) => line.type === "attached")).at(0),
    { describe },
  );
  const lease = await waitFor("a lease holder", async () => {
    const current = await leaseOf(store);
    return current?.held ? current : undefined;
  });
  const holder = [a, b].find((host) => host.child.pid === pidOf(lease.owner))!;
  const standby = holder === a ? b : a;
  expect(holder, describe()).toBeDefined();
  return { a, b, holder, standby, store, pane: attached.type === "attached" ? attached.pane : "", describe };
};

const spawnWorker = async (w: E2eWorld, window: string, script: WorkerScript): Promise<PaneId> => {
  const tmux = createTmuxDriver({ socketName: w.socketName });
  try {
    const spawned = await tmux.spawn({
      session: "fleet",
      window,
      argv: nodeScriptArgv("cli", "standIn/standInWorker"),
      cwd: w.dir,
      env: { FIRST_MATE_SOCKET: w.socketPath, FIRST_MATE_WORKER_SCRIPT: JSON.stringify(script) },
    });
    if (E.isLeft(spawned)) throw new Error(`worker ${window}: ${spawned.left.message}`);
    return spawned.right.paneId as PaneId;
  } finally {
    await tmux.close();
  }
};

describe("two hosts, one PostgreSQL store (end to end)", () => {
  it(
    "kill -9 of the lease holder: the standby takes the lease within ttl + one tick, adopts the live first mate and delivers interrupts in order",
    async () => {
      world = await createE2eWorld();
      const w = world;
      const schema = `two_hosts_${round++}`;
      const { holder, standby, store, pane, describe } = await startPair(w, schema);
      // Exactly one first mate, spawned once.
      await new Promise((resolve) => setTimeout(resolve, 3 * TICK_MS));
      expect(await w.firstMateWindowPanes()).toEqual([pane]);
      expect([holder, standby].flatMap((host) => host.lines().filter((line) => line.type === "spawning"))).toHaveLength(
        1,
      );

      const killedAt = Date.now();
      holder.child.kill("SIGKILL");
      expect(await holder.exited).toBe("SIGKILL");
      const taken = await waitFor(
        "the standby to take the lease",
        async () => {
          const current = await leaseOf(store);
          return current !== undefined && pidOf(current.owner) === standby.child.pid ? current : undefined;
        },
        { describe },
      );
      // The standby stamped the lease at its renewal: expiresAt - ttl.
      const takeoverMs = taken.expiresAt - LEASE_TTL_MS - killedAt;
      expect(takeoverMs, `takeover after ${takeoverMs} ms`).toBeLessThanOrEqual(LEASE_TTL_MS + TICK_MS);

      const questions = ["May I bump the lockfile?", "May I delete the legacy API?", "Which region for staging?"];
      const worker = await spawnWorker(w, "api", [
        { atMs: 0, title: "migrating the API" },
        ...questions.map((message) => ({ atMs: 0, notify: { kind: "need_human" as const, message } })),
      ]);
      await waitFor(
        "the first mate to attach to the standby",
        () => standby.lines().some((line) => line.type === "attached" && line.pane === pane),
        { describe },
      );
      await waitFor(
        "three interrupts at the first mate",
        () => w.journal().filter((entry) => entry.kind === "interrupt").length >= questions.length,
        { describe },
      );
      const interrupts = w.journal().filter((entry) => entry.kind === "interrupt");
      const seqs = interrupts.map((entry) => Number(entry.meta?.seq));
      expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
      expect(interrupts.map((entry) => entry.content)).toEqual(
        questions.map((message, i) => `[interrupt #${seqs[i]}] NEEDS A HUMAN ${worker} api: ${message}`),
      );
      expect(interrupts.every((entry) => entry.pane === pane)).toBe(true);

      // Adopted, not replaced: the same pane, no spawn by the standby, one first-mate window pane.
      expect(standby.lines().filter((line) => line.type === "spawning")).toHaveLength(0);
      expect(await w.firstMateWindowPanes()).toEqual([pane]);
      const marker = await store.readMarker();
      expect(E.isRight(marker) && marker.right?.paneId).toBe(pane);
      await waitFor("the outbox to drain", async () => {
        const pending = await store.listOutbox();
        return E.isRight(pending) && pending.right.length === 0;
      });
    },
    E2E_TIMEOUT_MS,
  );

  it(
    "PostgreSQL restarted while both run: nothing acknowledged lost, no second first mate, both recover",
    async () => {
      world = await createE2eWorld();
      const w = world;
      const schema = `two_hosts_${round++}`;
      const { holder, standby, store, pane, describe } = await startPair(w, schema);
      const worker = await spawnWorker(w, "api", [{ atMs: 0, notify: { kind: "need_human", message: "before" } }]);
      await waitFor("the interrupt before the restart", () =>
        w.journal().some((entry) => entry.kind === "interrupt" && entry.content?.includes("before")),
      );
      const before = await store.hydrate();
      const logBefore = await store.readLog({ limit: 200 });
      if (E.isLeft(before) || E.isLeft(logBefore)) throw new Error("cannot read the store before the restart");

      await server.restart();

      // Both hosts reach the server again: the holder renews its lease past the restart.
      const restartedAt = Date.now();
      await waitFor(
        "the holder to renew after the restart",
        async () => {
          const current = await leaseOf(store);
          return (
            current?.held && pidOf(current.owner) === holder.child.pid && current.expiresAt > restartedAt + TICK_MS
          );
        },
        { describe },
      );
      const after = await store.hydrate();
      const logAfter = await store.readLog({ limit: 200 });
      if (E.isLeft(after) || E.isLeft(logAfter)) throw new Error("cannot read the store after the restart");
      expect(after.right.marker).toEqual(before.right.marker);
      expect(after.right.ledger.slice(0, before.right.ledger.length)).toEqual(before.right.ledger);
      expect(after.right.lastOutboxSeq).toBeGreaterThanOrEqual(before.right.lastOutboxSeq);
      const idsAfter = new Set(logAfter.right.map((entry) => entry.id));
      for (const entry of logBefore.right) expect(idsAfter.has(entry.id), `log ${entry.id}`).toBe(true);
      expect(holder.child.exitCode).toBeNull();
      expect(standby.child.exitCode).toBeNull();

      // A second interrupt after the restart still reaches the same first mate.
      await spawnWorker(w, "web", [{ atMs: 0, notify: { kind: "need_human", message: "after" } }]);
      await waitFor("the interrupt after the restart", () =>
        w.journal().some((entry) => entry.kind === "interrupt" && entry.content?.includes("after")),
      );
      // The standby recovered too: it takes over when the holder goes.
      holder.child.kill("SIGKILL");
      await waitFor(
        "the standby to take the lease after the restart",
        async () => pidOf((await leaseOf(store))?.owner ?? null) === standby.child.pid,
        { describe },
      );
      await new Promise((resolve) => setTimeout(resolve, 3 * TICK_MS));
      expect(
        await w.firstMateWindowPanes(),
        `${describe()}\n${JSON.stringify(w.journal().filter((e) => e.type !== "push"))}`,
      ).toEqual([pane]);
      expect([holder, standby].flatMap((host) => host.lines().filter((line) => line.type === "spawning"))).toHaveLength(
        1,
      );
      expect(worker).toMatch(/^%\d+$/);
    },
    E2E_TIMEOUT_MS,
  );

  it(
    "PostgreSQL unreachable for longer than the lease: neither host holds the lease or decides anything; afterwards one holder, the same first mate",
    async () => {
      world = await createE2eWorld();
      const w = world;
      const schema = `two_hosts_${round++}`;
      const { holder, standby, store, pane, describe } = await startPair(w, schema);
      await server.stopServer();
      const stoppedAt = Date.now();
      try {
        // Both hosts report that they hold no lease while the server is away.
        await waitFor(
          "both hosts to stand by without the database",
          () =>
            [holder, standby].every((host) =>
              host.lines().some((line) => line.type === "standby" && line.at > stoppedAt),
            ),
          { describe },
        );
        await new Promise((resolve) => setTimeout(resolve, LEASE_TTL_MS + 2 * TICK_MS));
        // Nothing decided without the database: no spawn, the first mate untouched.
        expect(
          [holder, standby].flatMap((host) => host.lines().filter((line) => line.type === "spawning")),
        ).toHaveLength(1);
        expect(await w.firstMateWindowPanes()).toEqual([pane]);
      } finally {
        await server.start();
      }
      const lease = await waitFor(
        "a lease holder once the server is back",
        async () => {
          const current = await leaseOf(store);
          return current?.held && current.expiresAt > Date.now() ? current : undefined;
        },
        { describe },
      );
      expect([holder.child.pid, standby.child.pid]).toContain(pidOf(lease.owner));
      await new Promise((resolve) => setTimeout(resolve, 5 * TICK_MS));
      expect(await w.firstMateWindowPanes()).toEqual([pane]);
      expect([holder, standby].flatMap((host) => host.lines().filter((line) => line.type === "spawning"))).toHaveLength(
        1,
      );
      const marker = await store.readMarker();
      expect(E.isRight(marker) && marker.right?.paneId).toBe(pane);
    },
    E2E_TIMEOUT_MS,
  );
});
