/**
 * What an idle fleet costs: a host as deployed (its own process, default
 * timings: a 30 s tick, screen captures for the agent-state fallback)
 * watching 100 agent panes that do nothing, measured over a window
 * (`FM_BENCH_IDLE_SECONDS`, default 60; the target asks for ≥ 300).
 * Reports the host's CPU, its tmux client's (the control-mode connection)
 * and the tmux server's apart, each as a share of one core, and the tmux
 * processes the host started per tick.
 *
 * `FM_BENCH_IDLE_NODE_FLAGS` adds node flags to the host (e.g. `--cpu-prof`).
 *
 * The agent panes run a copy of `sleep` named `claude`, so the host detects
 * them as agents and the screen fallback captures them as it would real ones.
 *
 * The first mate is settled, as in a healthy idle fleet: the bench attaches
 * as it (over the channel socket, with the spawn token its pane hands over)
 * and acts on each push by pulling `fleet_digest` with the push's id, so its
 * channel is confirmed before the window starts. A first mate that never
 * attaches would be measured instead as a start-up: the host looks at its
 * screen every few seconds for its first minutes.
 */
import { spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { connectChannel } from "@first-mate/driver-mcp";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import * as E from "fp-ts/lib/Either.js";
import { z } from "zod";
import { startBenchTmuxServer } from "./benchTmuxServer.js";
import { HOST_ENV, HOST_NODE_FLAGS } from "./memoryBench.js";

export interface IdleFleetResult {
  readonly panes: number;
  readonly seconds: number;
  /** CPU time used in the window, ms. */
  readonly hostCpuMs: number;
  readonly hostClientsCpuMs: number;
  readonly serverCpuMs: number;
  /** Shares of one core, percent. */
  readonly hostCorePercent: number;
  readonly hostClientsCorePercent: number;
  readonly serverCorePercent: number;
  /** Host CPU per hour, seconds. */
  readonly hostCpuSecondsPerHour: number;
  readonly ticks: number;
  readonly spawnedClients: number;
  readonly spawnsPerTick: number;
  readonly connectionCommands: number;
}

interface HostReport {
  cpuUs: { user: number; system: number };
  transport: { spawnedClients: number; connectionCommands: number; connections: number };
  panes: number;
  attached: boolean;
  channel: string | null;
}

const PushSchema = z.object({
  method: z.literal("notifications/claude/channel"),
  params: z.object({ content: z.string(), meta: z.record(z.string(), z.string()).optional() }),
});

const TICK_MS = 30_000;
const SETTLE_MS = 30_000;
const CLOCK_TICKS_PER_SECOND = 100;

/** utime + stime of a process, ms (0 once it is gone). */
const processCpuMs = (pid: number): number => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return 0;
  }
};

const childrenOf = (pid: number): number[] => {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
};

/** The idle window, in seconds: `FM_BENCH_IDLE_SECONDS` or `fallback`. */
export const idleSeconds = (fallback = 60): number => {
  const configured = Number(process.env.FM_BENCH_IDLE_SECONDS);
  return Number.isFinite(configured) && configured > 0 ? configured : fallback;
};

/**
 * Attach to the host as its first mate (the pane's spawn token, the tmux server named as the shim names it) and
 * act on every push by pulling `fleet_digest` with its id, as a first mate that hears its channel does.
 */
const attachFirstMate = async (
  server: Awaited<ReturnType<typeof startBenchTmuxServer>>,
  socketPath: string,
  tokenFile: string,
): Promise<Client> => {
  const marker = (await server.tmux(["list-panes", "-a", "-F", "#{pane_id} #{window_name}"]))
    .split("\n")
    .find((line) => line.endsWith(" first-mate"))
    ?.split(" ")[0];
  if (marker === undefined) throw new Error("no first-mate window");
  const tmuxServer = (await server.tmux(["display-message", "-p", "#{socket_path},#{pid},0"])).trim();
  const transport = await connectChannel({
    socketPath,
    hello: { pane: marker, token: readFileSync(tokenFile, "utf8"), tmux: tmuxServer },
  });
  if (E.isLeft(transport)) throw new Error(transport.left.message);
  const client = new Client({ name: "idle-first-mate", version: "0" });
  client.setNotificationHandler(PushSchema, (push) => {
    const ack = push.params.meta?.push;
    void client.callTool({ name: "fleet_digest", arguments: ack === undefined ? {} : { ack } }).catch(() => undefined);
  });
  await client.connect(transport.right);
  return client;
};

export const measureIdleFleet = async (panes = 100, seconds = idleSeconds()): Promise<IdleFleetResult> => {
  const server = await startBenchTmuxServer("idle");
  const dir = mkdtempSync(join(tmpdir(), "fm-bench-idle-"));
  const agent = join(dir, "claude");
  copyFileSync("/bin/sleep", agent);
  const script = join(dir, "agents.conf");
  const windows = Array.from(
    { length: panes },
    (_, index) => `new-window -d -t =agents: -n agent${index} "exec ${agent} 36000"`,
  );
  writeFileSync(
    script,
    [`new-session -d -s agents -n agent-first "exec ${agent} 36000"`, ...windows.slice(1)].join("\n"),
  );
  await server.tmux(["source-file", script]);
  const serverPid = await server.pid();
  if (serverPid === null) throw new Error("the bench tmux server is not running");
  // The first mate's pane hands its spawn token to the bench, then idles as the agents do.
  const tokenFile = join(dir, "first-mate.token");
  const firstMateArgv = ["/bin/sh", "-c", `mv "$FIRST_MATE_TOKEN_FILE" ${tokenFile}; exec ${agent} 36000`];

  const child = spawn(
    process.execPath,
    [
      ...HOST_NODE_FLAGS,
      // e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to see where the idle host's time goes.
      ...(process.env.FM_BENCH_IDLE_NODE_FLAGS ?? "").split(" ").filter(Boolean),
      fileURLToPath(new URL("./idleHost.mjs", import.meta.url)),
      server.socketName,
      dir,
      JSON.stringify(firstMateArgv),
    ],
    { stdio: ["pipe", "pipe", "inherit"], env: { ...process.env, ...HOST_ENV } },
  );
  const waiting: ((report: HostReport) => void)[] = [];
  let buffered = "";
  child.stdout.on("data", (chunk: Buffer) => {
    buffered += chunk.toString("utf8");
    const lines = buffered.split("\n");
    buffered = lines.pop() ?? "";
    for (const line of lines) {
      // Node's own diagnostics (e.g. --trace-gc from FM_BENCH_IDLE_NODE_FLAGS) pass through.
      if (line.startsWith("{")) waiting.shift()?.(JSON.parse(line) as HostReport);
      else if (line.trim()) process.stderr.write(`host: ${line}\n`);
    }
  });
  const report = () =>
    new Promise<HostReport>((resolve) => {
      waiting.push(resolve);
      child.stdin.write("report\n");
    });
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  let firstMate: Client | null = null;
  try {
    const deadline = Date.now() + 60_000;
    while ((await report()).panes < panes || !existsSync(tokenFile)) {
      if (Date.now() > deadline) throw new Error(`the host did not see ${panes} panes and start its first mate`);
      await sleep(200);
    }
    firstMate = await attachFirstMate(server, join(dir, "sock", "channel.sock"), tokenFile);
    for (let state = await report(); state.channel !== "confirmed"; state = await report()) {
      if (Date.now() > deadline) throw new Error(`the first mate's channel is ${state.channel}, not confirmed`);
      await sleep(200);
    }
    // Past start-up: the first mate is settled, the first captures are done, and so is the
    // garbage collector's clean-up once start-up's allocation stops (several full
    // collections, some 100 ms of CPU, in the first seconds of quiet).
    await sleep(SETTLE_MS);
    const clients = () => childrenOf(child.pid ?? 0);
    const clientsCpu = () => clients().reduce((total, pid) => total + processCpuMs(pid), 0);
    const before = await report();
    const beforeClients = clientsCpu();
    const beforeServer = processCpuMs(serverPid);
    const started = performance.now();
    await sleep(seconds * 1000);
    const after = await report();
    const elapsedMs = performance.now() - started;
    const hostCpuMs = (after.cpuUs.user + after.cpuUs.system - before.cpuUs.user - before.cpuUs.system) / 1000;
    const hostClientsCpuMs = clientsCpu() - beforeClients;
    const serverCpuMs = processCpuMs(serverPid) - beforeServer;
    const ticks = elapsedMs / TICK_MS;
    const spawnedClients = after.transport.spawnedClients - before.transport.spawnedClients;
    const share = (ms: number) => (ms / elapsedMs) * 100;
    return {
      panes: after.panes,
      seconds: elapsedMs / 1000,
      hostCpuMs,
      hostClientsCpuMs,
      serverCpuMs,
      hostCorePercent: share(hostCpuMs),
      hostClientsCorePercent: share(hostClientsCpuMs),
      serverCorePercent: share(serverCpuMs),
      hostCpuSecondsPerHour: (hostCpuMs / elapsedMs) * 3600,
      ticks,
      spawnedClients,
      spawnsPerTick: spawnedClients / ticks,
      connectionCommands: after.transport.connectionCommands - before.transport.connectionCommands,
    };
  } finally {
    await firstMate?.close();
    child.stdin.write("stop\n");
    await new Promise((resolve) => child.once("exit", resolve));
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
};
