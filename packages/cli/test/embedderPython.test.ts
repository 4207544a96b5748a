/**
 * The cross-language example (examples/embed/embed_client.py, python3
 * standard library only) against a running host on a private tmux server:
 * it is admitted with the token file, feeds a status line and usage, reads
 * the digest, status and conn status, and prints the alert the host raises meanwhile.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { EMBEDDER_TOOLS } from "@first-mate/driver-mcp";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createEmbedderWorld, type EmbedderWorld } from "./embedderWorld.js";

const CLIENT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "examples", "embed", "embed_client.py");

interface Running {
  readonly child: ChildProcess;
  output(): string;
  readonly exited: Promise<number | null>;
}

const runClient = (args: readonly string[]): Running => {
  const child = spawn("python3", [CLIENT, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8");
  });
  child.stderr!.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8");
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, output: () => output, exited };
};

let world: EmbedderWorld;
const children: ChildProcess[] = [];
beforeEach(async () => {
  world = await createEmbedderWorld();
});
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
  await world.dispose();
});

const until = async (what: string, check: () => boolean, timeoutMs = 30_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};

describe("the Python embedder example", () => {
  it("feeds inputs, prints the digest and status, then the host's alert", async () => {
    await world.presetKillSwitch(true);
    const worker = await world.addPane("api");
    const host = await world.startHost({ kind: "command", argv: ["sh", "-c", "sleep 0.2"] });
    await until("the worker in the digest", () => host.runtime.digest().panes.some((pane) => pane.handle === worker));

    const client = runClient([
      "--socket",
      host.socketPath,
      "--token-file",
      host.embedderTokenPath,
      "--pane",
      worker,
      "--status",
      "porting the scheduler to Python",
      "--usage",
      "55",
      "--wait-alert",
      "60",
    ]);
    children.push(client.child);
    await until("the client to listen", () => client.output().includes("listening for alerts"));
    expect(host.runtime.digest().panes.find((pane) => pane.handle === worker)?.status).toBe(
      "porting the scheduler to Python",
    );
    expect(host.runtime.digest().budget.percent).toBe(55);

    // A first mate that dies at once, again and again: the supervisor gives up and alerts.
    await host.runtime.setKillSwitch(false);
    expect(await client.exited).toBe(0);
    const lines = client.output().trimEnd().split("\n");
    expect(lines[0]).toBe("connected: first-mate 0.1.0");
    // More embedder tools may join (conn handoff, approvals); these six are always there.
    const tools = lines[1]!.replace(/^tools: /, "").split(", ");
    for (const tool of EMBEDDER_TOOLS) expect(tools).toContain(tool);
    expect(tools).not.toContain("notify");
    expect(lines[2]).toBe("update_inputs: inputs updated (1 pane, usage)");
    expect(lines[3]).toBe("digest:");
    expect(lines.find((line) => line.includes(worker))).toContain('"porting the scheduler to Python"');
    expect(lines.some((line) => line.includes("budget 55%"))).toBe(true);
    expect(lines).toContain("status: running=True firstMateAttached=False killSwitch=True gaveUp=False");
    expect(lines).toContain("conn: the conn is with the human");
    expect(lines.at(-1)).toMatch(/^alert: critical first_mate_crash_loop: first mate failed 3 starts/);
  }, 120_000);

  it("a wrong token is refused, and the client says so", async () => {
    await world.presetKillSwitch(true);
    const host = await world.startHost({ kind: "command", argv: ["sh", "-c", "sleep 0.2"] });
    const wrong = join(world.dir, "wrong.token");
    writeFileSync(wrong, "not-the-token\n", { mode: 0o600 });
    const client = runClient(["--socket", host.socketPath, "--token-file", wrong]);
    children.push(client.child);
    expect(await client.exited).toBe(1);
    expect(client.output().trim()).toBe("refused: HelloUnauthorized: the embedder token does not match");
  });
});
