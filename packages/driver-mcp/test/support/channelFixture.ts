/**
 * A channel server on a fresh private temp directory, plus SDK clients over
 * the real socket. Everything it starts is closed by `dispose()`.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import * as E from "fp-ts/lib/Either.js";
import { type ChannelServer, createChannelServer } from "../../src/channelServer.js";
import { connectChannel } from "../../src/connectChannel.js";
import type { HelloInput } from "../../src/hello.js";
import { FakeToolHost } from "./fakeToolHost.js";

export interface ChannelFixture {
  readonly dir: string;
  readonly socketPath: string;
  readonly host: FakeToolHost;
  server: ChannelServer;
  connect(hello: HelloInput, name?: string): Promise<Client>;
  /** Stop and start the server on the same path (same host). */
  restart(): Promise<void>;
  dispose(): Promise<void>;
}

export const startChannelFixture = async (host = new FakeToolHost()): Promise<ChannelFixture> => {
  const dir = await mkdtemp(join(tmpdir(), "fm-mcp-"));
  const socketPath = join(dir, "run", "channel.sock");
  const clients: Client[] = [];
  const start = async () => {
    const server = createChannelServer({ socketPath, host });
    const listening = await server.listen();
    if (E.isLeft(listening)) throw new Error(listening.left.message);
    return server;
  };
  const fixture: ChannelFixture = {
    dir,
    socketPath,
    host,
    server: await start(),
    async connect(hello, name = "test-client") {
      const client = await connectClient(socketPath, hello, name);
      clients.push(client);
      return client;
    },
    async restart() {
      await fixture.server.close();
      fixture.server = await start();
    },
    async dispose() {
      await Promise.allSettled(clients.map((client) => client.close()));
      await fixture.server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return fixture;
};

/** The text of a tool result's first content item. */
/** An SDK client connected to the server at `socketPath` with `hello`. */
export const connectClient = async (socketPath: string, hello: HelloInput, name = "test-client"): Promise<Client> => {
  const transport = await connectChannel({ socketPath, hello });
  if (E.isLeft(transport)) throw new Error(transport.left.message);
  const client = new Client({ name, version: "0.0.0" });
  await client.connect(transport.right);
  return client;
};

export const resultText = (result: unknown): string => {
  const content = (result as CallToolResult).content;
  const first = content[0];
  return first && first.type === "text" ? first.text : "";
};

/** Poll `check` until it holds (tests have their own timeout). */
export const eventually = async (check: () => boolean | Promise<boolean>, intervalMs = 10): Promise<void> => {
  while (!(await check())) await new Promise((resolve) => setTimeout(resolve, intervalMs));
};
