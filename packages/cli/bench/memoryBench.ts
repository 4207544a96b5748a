/**
 * Resident memory of a first-mate host supervising 1000 panes with 200
 * attached MCP sessions (docs/design.md, Targets: under 100 MB). The host runs in its
 * own process so the 200 clients opened here do not count.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { connectChannel } from "@first-mate/driver-mcp";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import * as E from "fp-ts/lib/Either.js";
import { startBenchTmuxServer } from "./benchTmuxServer.js";

export interface MemoryResult {
  readonly panes: number;
  readonly sessions: number;
  readonly rssMb: number;
  readonly idleRssMb: number;
}

interface HostReport {
  socketPath: string;
  rss: number;
  panes: number;
  sessions: number;
}

/**
 * How the host runs in production (see the `first-mate` bin's shebang): a
 * small young generation and two malloc arenas; the host allocates little.
 */
export const HOST_NODE_FLAGS = ["--max-semi-space-size=1"];
export const HOST_ENV = { MALLOC_ARENA_MAX: "2" };

export const measureMemory = async (panes = 1000, sessions = 200): Promise<MemoryResult> => {
  const server = await startBenchTmuxServer("memory", panes);
  const dir = mkdtempSync(join(tmpdir(), "fm-bench-memory-"));
  // From built JavaScript, as deployed: run `npm run build` first.
  const child = spawn(
    process.execPath,
    [...HOST_NODE_FLAGS, fileURLToPath(new URL("./memoryHost.mjs", import.meta.url)), server.socketName, dir],
    { stdio: ["pipe", "pipe", "inherit"], env: { ...process.env, ...HOST_ENV } },
  );
  let latest: HostReport | null = null;
  let buffered = "";
  child.stdout.on("data", (chunk: Buffer) => {
    buffered += chunk.toString("utf8");
    const lines = buffered.split("\n");
    buffered = lines.pop() ?? "";
    for (const line of lines) if (line.trim()) latest = JSON.parse(line) as HostReport;
  });
  const waitFor = async (predicate: (report: HostReport) => boolean, what: string) => {
    const deadline = Date.now() + 60_000;
    while (!(latest && predicate(latest))) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return latest!;
  };
  const clients: Client[] = [];
  try {
    // The host also sees the bench's home pane and its first mate.
    const ready = await waitFor((report) => report.panes >= panes, `${panes} panes observed`);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const idleRss = latest!.rss;
    // Hellos name the tmux server as $TMUX does (socket path, server pid); the host refuses another server's.
    const tmuxServer = (await server.tmux(["display-message", "-p", "#{socket_path},#{pid},0"])).trim();
    for (let index = 0; index < sessions; index++) {
      const transport = await connectChannel({
        socketPath: ready.socketPath,
        hello: { pane: `%${100_000 + index}`, tmux: tmuxServer },
      });
      if (E.isLeft(transport)) throw new Error(transport.left.message);
      const client = new Client({ name: `bench-${index}`, version: "0" });
      await client.connect(transport.right);
      clients.push(client);
    }
    await waitFor((report) => report.sessions >= sessions, `${sessions} sessions attached`);
    // Let a few ticks run at full size before reading.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const final = latest!;
    return { panes: final.panes, sessions: final.sessions, rssMb: final.rss / 2 ** 20, idleRssMb: idleRss / 2 ** 20 };
  } finally {
    await Promise.allSettled(clients.map((client) => client.close()));
    child.stdin.write("stop\n");
    await new Promise((resolve) => child.once("exit", resolve));
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
};
