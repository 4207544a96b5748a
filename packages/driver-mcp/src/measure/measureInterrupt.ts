/**
 * Measuring the interrupt path (docs/design.md, Targets): a worker's `notify(need_human)`
 * until the channel notification arrives at the first mate, beside bare SDK
 * round trips (`ping`, and a trivial tool call) on the same socket transport.
 *
 * Runs a real channel server on a private temp directory with real SDK
 * clients; the host forwards each notify to `channel.emit` at the first
 * mate's pane, as the runtime does for an interrupt. Everything it starts is
 * closed before it returns. Samples of the three kinds are interleaved so
 * drift affects them alike.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import type { ChannelPort, Marker, PaneId, ToolHost } from "@first-mate/core";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import * as E from "fp-ts/lib/Either.js";
import { z } from "zod";
import { CHANNEL_NOTIFICATION_METHOD, createChannelServer } from "../channelServer.js";
import { connectChannel } from "../connectChannel.js";
import { hashToken } from "../firstMateIdentity.js";
import { type LatencyStats, summarizeLatencies } from "./latencyStats.js";

/**
 * Interrupt latency (notify at a worker → notification at the first mate) next to a bare SDK ping on the same
 * transport.
 */
export interface InterruptMeasurement {
  /** notify(need_human) at a worker → channel notification at the first mate. */
  readonly interrupt: LatencyStats;
  /** A bare SDK `ping` request/response on the same transport. */
  readonly bareRoundTrip: LatencyStats;
  /** A trivial tool call (`report`) request/response. */
  readonly toolRoundTrip: LatencyStats;
  /** interrupt ÷ bare round trip, at p50 and p99. */
  readonly ratioP50: number;
  readonly ratioP99: number;
}

/** How many samples and warm-up rounds to measure. */
export interface MeasureInterruptOptions {
  /** Measured samples of each kind; default 2000. */
  readonly samples?: number;
  /** Unmeasured warm-up rounds; default 200. */
  readonly warmup?: number;
}

const FIRST_MATE = "%1" as PaneId;
const WORKER = "%2" as PaneId;
const TOKEN = "bench-spawn-token";

const ChannelNotificationSchema = z.object({
  method: z.literal(CHANNEL_NOTIFICATION_METHOD),
  params: z.object({ content: z.string(), meta: z.record(z.string(), z.string()) }),
});

/** The smallest host for the interrupt path: notify → emit at the first mate. */
const forwardingHost = (marker: Marker, channel: () => ChannelPort): ToolHost => {
  let seq = 0;
  const refused = async () => E.left({ _tag: "ToolRefused" as const, message: "not part of this measurement" });
  return {
    firstMateMarker: async () => marker,
    notify: async (from, input) => {
      seq += 1;
      await channel().emit(marker.paneId, `${from}: ${input.message}`, { kind: "interrupt", seq: String(seq) });
      return E.right("noted");
    },
    report: async () => E.right("ok"),
    fleetDigest: refused,
    readLog: refused,
    appendLog: refused,
    peek: refused,
    nudge: refused,
  };
};

const connect = async (socketPath: string, hello: { pane: string; token?: string }, name: string) => {
  const transport = await connectChannel({ socketPath, hello });
  if (E.isLeft(transport)) throw new Error(transport.left.message);
  const client = new Client({ name, version: "0.0.0" });
  await client.connect(transport.right);
  return client;
};

/** See the module header. Rejects only if the server cannot start. */
export const measureInterrupt = async (options: MeasureInterruptOptions = {}): Promise<InterruptMeasurement> => {
  const samples = options.samples ?? 2_000;
  const warmup = options.warmup ?? 200;
  const dir = await mkdtemp(join(tmpdir(), "fm-bench-"));
  const socketPath = join(dir, "run", "channel.sock");
  const marker: Marker = { paneId: FIRST_MATE, tokenHash: hashToken(TOKEN), spawnedAt: 0, attempt: 1 };
  let channel: ChannelPort | null = null;
  const server = createChannelServer({ socketPath, host: forwardingHost(marker, () => channel!) });
  channel = server.channel;
  const clients: Client[] = [];
  try {
    const listening = await server.listen();
    if (E.isLeft(listening)) throw new Error(listening.left.message);
    const attached = new Promise<void>((resolve) =>
      server.channel.subscribe((event) => {
        if (event.type === "attached" && event.firstMate) resolve();
      }),
    );
    const firstMate = await connect(socketPath, { pane: FIRST_MATE, token: TOKEN }, "bench-first-mate");
    clients.push(firstMate);
    const worker = await connect(socketPath, { pane: WORKER }, "bench-worker");
    clients.push(worker);
    await attached;

    let arrived: (() => void) | null = null;
    firstMate.setNotificationHandler(ChannelNotificationSchema, () => arrived?.());

    const interruptOnce = async (): Promise<number> => {
      const notified = new Promise<void>((resolve) => {
        arrived = resolve;
      });
      const started = performance.now();
      const call = worker.callTool({ name: "notify", arguments: { message: "need a human", kind: "need_human" } });
      await notified;
      const elapsed = performance.now() - started;
      await call;
      return elapsed;
    };
    const pingOnce = async (): Promise<number> => {
      const started = performance.now();
      await worker.ping();
      return performance.now() - started;
    };
    const toolOnce = async (): Promise<number> => {
      const started = performance.now();
      await worker.callTool({ name: "report", arguments: { message: "ok" } });
      return performance.now() - started;
    };

    for (let i = 0; i < warmup; i++) {
      await interruptOnce();
      await pingOnce();
      await toolOnce();
    }
    const interrupts: number[] = [];
    const pings: number[] = [];
    const tools: number[] = [];
    for (let i = 0; i < samples; i++) {
      interrupts.push(await interruptOnce());
      pings.push(await pingOnce());
      tools.push(await toolOnce());
    }
    const interrupt = summarizeLatencies(interrupts);
    const bareRoundTrip = summarizeLatencies(pings);
    return {
      interrupt,
      bareRoundTrip,
      toolRoundTrip: summarizeLatencies(tools),
      ratioP50: interrupt.p50 / bareRoundTrip.p50,
      ratioP99: interrupt.p99 / bareRoundTrip.p99,
    };
  } finally {
    await Promise.allSettled(clients.map((client) => client.close()));
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
};
