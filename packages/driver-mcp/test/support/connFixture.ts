/**
 * The conn-gated tools end to end: the real core runtime (its own tool
 * host), a real tmux server on an isolated `-L` socket, the channel server
 * on a private socket, and SDK clients over it. The first mate is a
 * `sleep` pane the runtime's supervisor spawns; its spawn token is known to
 * the test. `dispose()` stops everything and kills the tmux server, waiting
 * for its process to exit.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CoreConfigInput, EndStep, PaneId, ProcessPort, TmuxPort } from "@first-mate/core";
import { createRuntime, type FirstMateLauncher, type Runtime, systemClock } from "@first-mate/core/runtime";
import { createFakeStore, type FakeStore } from "@first-mate/core/testing";
import { createTmuxDriver, type TmuxDriver } from "@first-mate/driver-tmux";
import { startIsolatedTmuxServer } from "@first-mate/driver-tmux/testing";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import * as E from "fp-ts/lib/Either.js";
import { createChannelServer } from "../../src/channelServer.js";
import { connectChannel } from "../../src/connectChannel.js";
import type { HelloInput } from "../../src/hello.js";
import { eventually } from "./channelFixture.js";

export const FIRST_MATE_TOKEN = `spawn-token-${randomBytes(6).toString("hex")}`;

export interface ConnFixture {
  readonly runtime: Runtime;
  readonly store: FakeStore;
  readonly tmux: TmuxDriver;
  readonly firstMatePane: PaneId;
  /** Runs a tmux command on the isolated server. */
  tmuxCommand(args: readonly string[]): Promise<string>;
  connect(hello: HelloInput): Promise<Client>;
  /** Wait until the runtime's fleet shows `pane` (alive) or no longer shows it. */
  waitForPane(pane: string, present: boolean): Promise<void>;
  dispose(): Promise<void>;
}

/** What a test may add to the runtime: the process port that ends a closed pane's tree, and its ladder. */
export interface ConnFixtureOptions {
  readonly processes?: ProcessPort;
  readonly endLadder?: readonly EndStep[];
  /** The core configuration on top of the fixture's own. */
  readonly config?: CoreConfigInput;
  /** The tmux port the runtime uses, made from the real driver (e.g. one whose worker spawns never answer). */
  readonly tmuxPort?: (driver: TmuxDriver) => TmuxPort;
}

export const startConnFixture = async (options: ConnFixtureOptions = {}): Promise<ConnFixture> => {
  const dir = await mkdtemp(join(tmpdir(), "fm-conn-"));
  const cleanups: (() => Promise<unknown>)[] = [() => rm(dir, { recursive: true, force: true })];
  const dispose = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  };
  try {
    const tmuxServer = await startIsolatedTmuxServer({
      label: "conn",
      keepalive: { session: "fleet", window: "keepalive" },
    });
    cleanups.push(() => tmuxServer.stop());
    const tmux = createTmuxDriver({ ...tmuxServer.driverOptions, enterDelayMs: 20 });
    cleanups.push(() => tmux.close());
    const store = createFakeStore();
    const launcher: FirstMateLauncher = {
      prepare: async ({ session, window }) => ({
        request: { session, window, argv: ["sleep", "3600"] },
        tokenHash: createHash("sha256").update(FIRST_MATE_TOKEN, "utf8").digest("hex"),
      }),
    };
    let runtime: Runtime | null = null;
    const server = createChannelServer({
      socketPath: join(dir, "run", "channel.sock"),
      host: {
        firstMateMarker: () => runtime!.toolHost.firstMateMarker(),
        notify: (from, input) => runtime!.toolHost.notify(from, input),
        report: (from, input) => runtime!.toolHost.report(from, input),
        fleetDigest: (from) => runtime!.toolHost.fleetDigest(from),
        readLog: (from, input) => runtime!.toolHost.readLog(from, input),
        appendLog: (from, input) => runtime!.toolHost.appendLog(from, input),
        peek: (from, input) => runtime!.toolHost.peek(from, input),
        nudge: (from, input) => runtime!.toolHost.nudge(from, input),
        spawnWorker: (from, input) => runtime!.toolHost.spawnWorker!(from, input),
        assignTask: (from, input) => runtime!.toolHost.assignTask!(from, input),
        terminate: (from, input) => runtime!.toolHost.terminate!(from, input),
        proposeRoleChange: (from, input) => runtime!.toolHost.proposeRoleChange!(from, input),
      },
    });
    const listening = await server.listen();
    if (E.isLeft(listening)) throw new Error(listening.left.message);
    cleanups.push(() => server.close());
    runtime = createRuntime({
      tmux: options.tmuxPort ? options.tmuxPort(tmux) : tmux,
      channel: server.channel,
      store,
      clock: systemClock,
      launcher,
      owner: "conn-test",
      config: { tickMs: 100, workerSession: "fleet", ...options.config },
      workers: { argv: ["cat"], cwd: dir },
      ...(options.processes ? { processes: options.processes } : {}),
      ...(options.endLadder ? { endLadder: options.endLadder } : {}),
    });
    const started = runtime;
    cleanups.push(() => started.stop());
    await runtime.start();
    await eventually(() => runtime!.status().firstMate !== null);
    const firstMatePane = runtime.status().firstMate!.paneId;
    const clients: Client[] = [];
    cleanups.push(() => Promise.allSettled(clients.map((client) => client.close())));
    return {
      runtime,
      store,
      tmux,
      firstMatePane,
      tmuxCommand: tmuxServer.tmux,
      async connect(hello) {
        const transport = await connectChannel({ socketPath: join(dir, "run", "channel.sock"), hello });
        if (E.isLeft(transport)) throw new Error(transport.left.message);
        const client = new Client({ name: "conn-test", version: "0.0.0" });
        await client.connect(transport.right);
        clients.push(client);
        return client;
      },
      waitForPane: (pane, present) =>
        eventually(() => runtime!.state().fleet.some((row) => row.paneId === pane && !row.dead) === present),
      dispose,
    };
  } catch (error) {
    await dispose();
    throw error;
  }
};
