/**
 * A channel server with embedder access wired to the real core runtime over
 * the core's fakes (tmux, store, clock), plus SDK clients over the real
 * socket. `dispose()` stops and removes everything it started.
 */
import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { EmbedderHost } from "@first-mate/core";
import { createEmbedderHost, createRuntime, type FirstMateLauncher, type Runtime } from "@first-mate/core/runtime";
import {
  createFakeClock,
  createFakeStore,
  createFakeTmux,
  type FakeClock,
  type FakeStore,
  type FakeTmux,
} from "@first-mate/core/testing";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import * as E from "fp-ts/lib/Either.js";
import { z } from "zod";
import { type ChannelServer, createChannelServer } from "../../src/channelServer.js";
import { EMBEDDER_ALERT_METHOD, EMBEDDER_EVENT_METHOD } from "../../src/embedderTools.js";
import type { HelloInput } from "../../src/hello.js";
import { connectClient } from "./channelFixture.js";

export const EMBEDDER_TOKEN = "embedder-token-for-tests-0123456789";
export const sha256 = (value: string): string => createHash("sha256").update(value, "utf8").digest("hex");
/** The spawn token the fixture's launcher hands the first mate on attempt `n`. */
export const spawnTokenFor = (attempt: number): string => `spawn-token-${attempt}`;

export interface EmbedderFixture {
  readonly socketPath: string;
  readonly server: ChannelServer;
  readonly runtime: Runtime;
  readonly embedderHost: EmbedderHost;
  readonly tmux: FakeTmux;
  readonly store: FakeStore;
  readonly clock: FakeClock;
  connect(hello: HelloInput, name?: string): Promise<Client>;
  dispose(): Promise<void>;
}

export interface EmbedderFixtureOptions {
  /** Wrap the runtime's embedder host (e.g. to inject events). */
  readonly wrapHost?: (host: EmbedderHost) => EmbedderHost;
}

export const startEmbedderFixture = async (options: EmbedderFixtureOptions = {}): Promise<EmbedderFixture> => {
  const dir = await mkdtemp(join(tmpdir(), "fm-embed-"));
  const socketPath = join(dir, "run", "channel.sock");
  const clock = createFakeClock();
  const tmux = createFakeTmux(() => clock.now());
  const store = createFakeStore();
  const launcher: FirstMateLauncher = {
    prepare: async ({ attempt, session, window }) => ({
      request: { session, window, argv: ["claude"], env: { FIRST_MATE_TOKEN: spawnTokenFor(attempt) } },
      tokenHash: sha256(spawnTokenFor(attempt)),
    }),
  };
  // The runtime needs the server's channel and the server the runtime's hosts:
  // the runtime gets a channel that forwards to the server created next.
  let server: ChannelServer | null = null;
  const runtime = createRuntime({
    tmux,
    channel: {
      emit: (pane, content, meta) => server!.channel.emit(pane, content, meta),
      subscribe: (listener) => server!.channel.subscribe(listener),
    },
    store,
    clock,
    launcher,
    owner: "embedder-test",
  });
  const realHost = createEmbedderHost({ runtime, store });
  const embedderHost = options.wrapHost ? options.wrapHost(realHost) : realHost;
  server = createChannelServer({
    socketPath,
    host: runtime.toolHost,
    embedder: { host: embedderHost, tokenHash: sha256(EMBEDDER_TOKEN) },
  });
  const listening = await server.listen();
  if (E.isLeft(listening)) throw new Error(listening.left.message);

  const clients: Client[] = [];
  return {
    socketPath,
    server,
    runtime,
    embedderHost,
    tmux,
    store,
    clock,
    async connect(hello, name = "test-client") {
      const client = await connectClient(socketPath, hello, name);
      clients.push(client);
      return client;
    },
    async dispose() {
      await Promise.allSettled(clients.map((client) => client.close()));
      await runtime.stop();
      await server!.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
};

/** The embedder notifications as a client registers for them. */
export const AlertSchema = z.object({
  method: z.literal(EMBEDDER_ALERT_METHOD),
  params: z.object({ level: z.string(), code: z.string(), message: z.string(), at: z.number() }),
});
export const EventNotificationSchema = z.object({
  method: z.literal(EMBEDDER_EVENT_METHOD),
  params: z.object({ type: z.string(), at: z.number(), data: z.record(z.string(), z.unknown()) }),
});
