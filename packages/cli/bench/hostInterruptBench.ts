/**
 * Interrupt latency on the whole host (docs/design.md, Targets): a worker's
 * `notify(need_human)` → the channel notification at the first mate, through
 * the real channel server, the core runtime and the SQLite outbox write that
 * must precede the push — beside a bare SDK round trip (`ping`) on the same
 * transport. Measured once per SQLite durability mode.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connectChannel } from "@first-mate/driver-mcp";
import { type LatencyStats, summarizeLatencies } from "@first-mate/driver-mcp/measure";
import { startIsolatedTmuxServer } from "@first-mate/driver-tmux/testing";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import * as E from "fp-ts/lib/Either.js";
import { z } from "zod";
import { parseHostConfig } from "../src/host/hostConfig.js";
import { startHost } from "../src/host/startHost.js";

export interface HostInterruptResult {
  readonly sync: "NORMAL" | "FULL";
  readonly interrupt: LatencyStats;
  readonly bareRoundTrip: LatencyStats;
  readonly ratioP50: number;
  readonly ratioP99: number;
}

const PushSchema = z.object({
  method: z.literal("notifications/claude/channel"),
  params: z.object({ content: z.string(), meta: z.record(z.string(), z.string()).optional() }),
});

/** A push later than this is a lost push, not a slow one: the bench fails instead of hanging. */
const PUSH_DEADLINE_MS = 5_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const measureHostInterrupt = async (
  sync: "NORMAL" | "FULL",
  samples = 1000,
  warmup = 100,
): Promise<HostInterruptResult> => {
  const server = await startIsolatedTmuxServer({ label: "interrupt" });
  // The worker that asks is a live pane: the host takes `notify` only from a pane of its latest observation.
  const workerPane = (
    await server.tmux(["new-window", "-d", "-P", "-F", "#{pane_id}", "-n", "worker", "exec sleep 3600"])
  ).trim();
  const dir = mkdtempSync(join(tmpdir(), "fm-bench-interrupt-"));
  const tokenFile = join(dir, "token");
  const parsed = parseHostConfig({
    tmux: { socketName: server.socketName },
    databasePath: join(dir, "db.sqlite"),
    databaseSync: sync,
    socketPath: join(dir, "sock", "channel.sock"),
    stateDir: join(dir, "state"),
    cwd: dir,
    // The first mate is a plain process that hands its spawn token to the bench.
    agent: {
      kind: "command",
      argv: ["/bin/sh", "-c", `mv "$FIRST_MATE_TOKEN_FILE" ${tokenFile}; exec sleep 3600`],
    },
    // Every sample is a distinct question from one worker, a thousand in seconds. Short
    // dedupe and rate-limit windows keep those tables the size a live fleet has (a few
    // entries) instead of a thousand, and keep the rate limit out of the way.
    core: { dedupeWindowMs: 1, rateLimitWindowMs: 1, tickMs: 60_000 },
  });
  if (!parsed.ok) throw new Error(parsed.errors.join("; "));
  const started = await startHost({ config: parsed.config });
  if (E.isLeft(started)) throw new Error(started.left.message);
  const host = started.right;
  const clients: Client[] = [];
  try {
    let marker = host.runtime.status().firstMate;
    for (
      let waited = 0;
      (marker === null || !readFileSync(tokenFile, { flag: "a+" }).length) && waited < 10_000;
      waited += 20
    ) {
      await sleep(20);
      marker = host.runtime.status().firstMate;
    }
    if (marker === null) throw new Error("no first mate");
    const token = readFileSync(tokenFile, "utf8");
    // Hellos name the tmux server as $TMUX does (socket path, server pid); the host refuses another server's.
    const tmuxServer = (await server.tmux(["display-message", "-p", "#{socket_path},#{pid},0"])).trim();
    const open = async (hello: { pane: string; token?: string }) => {
      const transport = await connectChannel({ socketPath: host.socketPath, hello: { ...hello, tmux: tmuxServer } });
      if (E.isLeft(transport)) throw new Error(transport.left.message);
      const client = new Client({ name: "bench", version: "0" });
      await client.connect(transport.right);
      clients.push(client);
      return client;
    };
    let arrived: (() => void) | null = null;
    const firstMate = await open({ pane: marker.paneId, token });
    firstMate.setNotificationHandler(PushSchema, (push) => {
      if (push.params.meta?.kind === "interrupt") arrived?.();
    });
    for (let waited = 0; !host.runtime.status().firstMateAttached && waited < 10_000; waited += 20) await sleep(20);
    const worker = await open({ pane: workerPane });

    const interrupts: number[] = [];
    const bare: number[] = [];
    for (let index = 0; index < warmup + samples; index++) {
      const got = new Promise<void>((resolve, reject) => {
        const late = setTimeout(
          () => reject(new Error(`no interrupt push within ${PUSH_DEADLINE_MS} ms`)),
          PUSH_DEADLINE_MS,
        );
        arrived = () => {
          clearTimeout(late);
          resolve();
        };
      });
      const start = performance.now();
      const answer = await worker.callTool({
        name: "notify",
        arguments: { kind: "need_human", message: `question ${index}` },
      });
      // A refused notify never pushes: fail at once instead of waiting forever for the push.
      if (answer.isError) throw new Error(`notify refused: ${JSON.stringify(answer.content)}`);
      await got;
      const interrupt = performance.now() - start;
      const pingStart = performance.now();
      await worker.ping();
      const ping = performance.now() - pingStart;
      if (index >= warmup) {
        interrupts.push(interrupt);
        bare.push(ping);
      }
    }
    const interrupt = summarizeLatencies(interrupts);
    const bareRoundTrip = summarizeLatencies(bare);
    return {
      sync,
      interrupt,
      bareRoundTrip,
      ratioP50: interrupt.p50 / bareRoundTrip.p50,
      ratioP99: interrupt.p99 / bareRoundTrip.p99,
    };
  } finally {
    await Promise.allSettled(clients.map((client) => client.close()));
    await host.stop();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
};
