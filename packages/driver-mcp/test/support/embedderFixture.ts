/**
 * A channel server with embedder access wired to the real core runtime over
 * the core's fakes (tmux, store, clock), plus SDK clients over the real
 * socket. `dispose()` stops and removes everything it started.
 */
import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createEmbedderHost,
  createRuntime,
  type EmbedderHost,
  type FirstMateLauncher,
  type Runtime,
  type ToolHost,
} from "@first-mate/core";
import {
  createFakeClock,
  createFakeStore,
  createFakeTmux,
  type FakeClock,
  type FakeStore,
  type FakeTmux,
} from "@first-mate/core/testing";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import * as E from "fp-ts/lib/Either.js";
import { type ChannelServer, createChannelServer } from "../../src/channelServer.js";
import { connectChannel } from "../../src/connectChannel.js";
import type { HelloInput } from "../../src/hello.js";

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
  // The server needs the runtime's tool host and the runtime needs the server's channel.
  let toolHost: ToolHost | null = null;
  const host = (): ToolHost => {
    if (!toolHost) throw new Error("runtime not ready");
    return toolHost;
  };
  let embedderHost: EmbedderHost | null = null;
  const forwardingEmbedder: EmbedderHost = {
    updateInputs: (input) => embedderHost!.updateInputs(input),
    fleetDigest: () => embedderHost!.fleetDigest(),
    status: () => embedderHost!.status(),
    readLog: (input) => embedderHost!.readLog(input),
    setKillSwitch: (on) => embedderHost!.setKillSwitch(on),
    resetSupervisor: () => embedderHost!.resetSupervisor(),
    subscribe: (listener) => embedderHost!.subscribe(listener),
  };
  const server = createChannelServer({
    socketPath,
    host: {
      firstMateMarker: () => host().firstMateMarker(),
      notify: (from, input) => host().notify(from, input),
      report: (from, input) => host().report(from, input),
      fleetDigest: (from) => host().fleetDigest(from),
      readLog: (from, input) => host().readLog(from, input),
      appendLog: (from, input) => host().appendLog(from, input),
      peek: (from, input) => host().peek(from, input),
      nudge: (from, input) => host().nudge(from, input),
    },
    embedder: { host: forwardingEmbedder, tokenHash: sha256(EMBEDDER_TOKEN) },
  });
  const listening = await server.listen();
  if (E.isLeft(listening)) throw new Error(listening.left.message);
  const runtime = createRuntime({ tmux, channel: server.channel, store, clock, launcher, owner: "embedder-test" });
  toolHost = runtime.toolHost;
  const realHost = createEmbedderHost({ runtime, store });
  embedderHost = options.wrapHost ? options.wrapHost(realHost) : realHost;

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
      const transport = await connectChannel({ socketPath, hello });
      if (E.isLeft(transport)) throw new Error(transport.left.message);
      const client = new Client({ name, version: "0.0.0" });
      await client.connect(transport.right);
      clients.push(client);
      return client;
    },
    async dispose() {
      await Promise.allSettled(clients.map((client) => client.close()));
      await runtime.stop();
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
};
