import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { fileURLToPath } from "node:url";
import type { PaneId } from "@first-mate/core";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { CHANNEL_NOTIFICATION_METHOD } from "../src/channelServer.js";
import { defaultSocketPath } from "../src/shim/defaultSocketPath.js";
import { runShim, SHIM_DISCONNECTED_CODE } from "../src/shim/runShim.js";
import { type ChannelFixture, eventually, resultText, startChannelFixture } from "./support/channelFixture.js";

const SHIM_BIN = fileURLToPath(new URL("../src/shim/bin.ts", import.meta.url));
const REPO_ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const FIRST_MATE = "%1" as PaneId;
const TOKEN = "first-mate-token";

const ChannelNotificationSchema = z.object({
  method: z.literal(CHANNEL_NOTIFICATION_METHOD),
  params: z.object({ content: z.string(), meta: z.record(z.string(), z.string()) }),
});

const shimCommand = (env: Record<string, string>) => ({
  command: process.execPath,
  args: ["--conditions=@first-mate/source", "--import", "tsx", SHIM_BIN],
  cwd: REPO_ROOT,
  env,
  stderr: "pipe" as const,
});

let fixture: ChannelFixture;
const clients: Client[] = [];
beforeEach(async () => {
  fixture = await startChannelFixture();
  fixture.host.markFirstMate(FIRST_MATE, TOKEN);
});
afterEach(async () => {
  await Promise.allSettled(clients.splice(0).map((client) => client.close()));
  await fixture.dispose();
});

const connectThroughShim = async (env: Record<string, string>): Promise<Client> => {
  const client = new Client({ name: "agent", version: "0.0.0" });
  clients.push(client);
  await client.connect(new StdioClientTransport(shimCommand(env)));
  return client;
};

describe("the shim process", () => {
  it("relays tools and channel pushes for the first mate", async () => {
    const client = await connectThroughShim({
      TMUX_PANE: FIRST_MATE,
      FIRST_MATE_TOKEN: TOKEN,
      FIRST_MATE_SOCKET: fixture.socketPath,
    });
    expect(client.getServerCapabilities()?.experimental).toEqual({ "claude/channel": {} });
    const pushes: unknown[] = [];
    client.setNotificationHandler(ChannelNotificationSchema, (notification) => {
      pushes.push(notification.params);
    });
    const digest = await client.callTool({ name: "fleet_digest", arguments: {} });
    expect(digest.isError).toBeFalsy();
    await eventually(() => fixture.server.sessions().some((session) => session.attached && session.firstMate));
    expect(await fixture.server.channel.emit(FIRST_MATE, "fleet changed", { kind: "digest" })).toBe(true);
    await eventually(() => pushes.length === 1);
    expect(pushes).toEqual([{ content: "fleet changed", meta: { kind: "digest" } }]);
  });

  it("takes the spawn token from FIRST_MATE_TOKEN_FILE, removes the file, and is the first mate", async () => {
    const dir = await mkdtemp(join(tmpdir(), "fm-token-"));
    try {
      const tokenFile = join(dir, "first-mate-1.token");
      await writeFile(tokenFile, TOKEN, { mode: 0o600 });
      const client = await connectThroughShim({
        TMUX_PANE: FIRST_MATE,
        FIRST_MATE_TOKEN_FILE: tokenFile,
        FIRST_MATE_SOCKET: fixture.socketPath,
      });
      expect((await client.callTool({ name: "fleet_digest", arguments: {} })).isError).toBeFalsy();
      expect(existsSync(tokenFile)).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("survives a server restart mid-session: tool calls and pushes work again after reconnect", async () => {
    const client = await connectThroughShim({
      TMUX_PANE: FIRST_MATE,
      FIRST_MATE_TOKEN: TOKEN,
      FIRST_MATE_SOCKET: fixture.socketPath,
    });
    const pushes: unknown[] = [];
    client.setNotificationHandler(ChannelNotificationSchema, (notification) => {
      pushes.push(notification.params);
    });
    expect((await client.callTool({ name: "report", arguments: { message: "before" } })).isError).toBeFalsy();

    await fixture.restart();

    // While the shim reconnects a call may be answered with a JSON-RPC error; it never hangs.
    let after: Awaited<ReturnType<Client["callTool"]>> | null = null;
    while (!after) {
      after = await client.callTool({ name: "report", arguments: { message: "after" } }).catch(async (error) => {
        expect(String(error)).toContain("reconnecting");
        await new Promise((resolve) => setTimeout(resolve, 20));
        return null;
      });
    }
    expect(resultText(after)).toBe("report received");
    expect(fixture.host.reports.map((report) => report.message)).toEqual(["before", "after"]);
    await eventually(() => fixture.server.sessions().some((session) => session.attached && session.firstMate));
    expect(await fixture.server.channel.emit(FIRST_MATE, "after restart", { kind: "digest" })).toBe(true);
    await eventually(() => pushes.length === 1);
    expect((await client.callTool({ name: "fleet_digest", arguments: {} })).isError).toBeFalsy();
  });

  const runToExit = (env: Record<string, string>) =>
    new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const child = spawn(process.execPath, ["--conditions=@first-mate/source", "--import", "tsx", SHIM_BIN], {
        cwd: REPO_ROOT,
        env: { PATH: process.env.PATH ?? "", ...env },
        stdio: ["pipe", "pipe", "pipe"],
      });
      let stdout = "";
      child.stdout.on("data", (chunk) => {
        stdout += chunk;
      });
      child.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: {} })}\n`);
      child.on("exit", (code) => resolve({ code, stdout }));
    });

  it("exits 0 quietly without TMUX_PANE", async () => {
    expect(await runToExit({ FIRST_MATE_SOCKET: fixture.socketPath })).toEqual({ code: 0, stdout: "" });
  });

  it("exits 0 quietly when no server is reachable after the start wait", async () => {
    const result = await runToExit({
      TMUX_PANE: "%4",
      FIRST_MATE_SOCKET: `${fixture.dir}/nobody-home.sock`,
      FIRST_MATE_SHIM_WAIT_MS: "200",
    });
    expect(result).toEqual({ code: 0, stdout: "" });
  });
});

describe("runShim in-process", () => {
  const lineReader = (stream: PassThrough) => {
    const lines: Record<string, unknown>[] = [];
    let buffer = "";
    stream.on("data", (chunk: Buffer) => {
      buffer += chunk.toString("utf8");
      let newline = buffer.indexOf("\n");
      while (newline !== -1) {
        lines.push(JSON.parse(buffer.slice(0, newline)));
        buffer = buffer.slice(newline + 1);
        newline = buffer.indexOf("\n");
      }
    });
    return lines;
  };

  it("answers in-flight requests with errors on a drop, replays the handshake, hides the duplicate response", async () => {
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const fromShim = lineReader(stdout);
    const exited = runShim({
      stdin,
      stdout,
      env: { TMUX_PANE: "%5", FIRST_MATE_SOCKET: fixture.socketPath },
      initialBackoffMs: 10,
    });
    const send = (message: object) => stdin.write(`${JSON.stringify(message)}\n`);
    send({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "agent", version: "1" } },
    });
    await eventually(() => fromShim.length === 1);
    expect(fromShim[0]).toMatchObject({ id: 1, result: { serverInfo: { name: "first-mate" } } });
    send({ jsonrpc: "2.0", method: "notifications/initialized" });
    await eventually(() => fixture.server.sessions().some((session) => session.attached));

    // Hold a notify in the host, then drop the server under it.
    let release = () => {};
    fixture.host.notifyGate = new Promise<void>((resolve) => {
      release = resolve;
    });
    send({
      jsonrpc: "2.0",
      id: 2,
      method: "tools/call",
      params: { name: "notify", arguments: { message: "stuck?", kind: "info" } },
    });
    await eventually(() => fixture.server.sessions().length === 1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await fixture.server.close();
    await eventually(() => fromShim.length === 2);
    expect(fromShim[1]).toMatchObject({ id: 2, error: { code: SHIM_DISCONNECTED_CODE } });
    release();
    fixture.host.notifyGate = null;

    // A request while nobody listens is answered at once, not queued.
    send({ jsonrpc: "2.0", id: 3, method: "tools/list" });
    await eventually(() => fromShim.length === 3);
    expect(fromShim[2]).toMatchObject({ id: 3, error: { code: SHIM_DISCONNECTED_CODE } });

    await fixture.restart();
    // The shim re-initializes on its own: the new session attaches without the agent doing anything.
    await eventually(() => fixture.server.sessions().some((session) => session.attached && session.paneId === "%5"));
    send({ jsonrpc: "2.0", id: 4, method: "tools/list" });
    await eventually(() => fromShim.length === 4);
    expect(fromShim[3]).toMatchObject({ id: 4, result: { tools: expect.any(Array) } });
    // No second initialize response ever reached the agent.
    expect(fromShim.filter((line) => "result" in line && "serverInfo" in (line.result as object))).toHaveLength(1);

    stdin.end();
    expect(await exited).toBe(0);
  });
});

describe("default socket path", () => {
  it("prefers XDG_RUNTIME_DIR, else a per-uid directory in /tmp", () => {
    expect(defaultSocketPath({ XDG_RUNTIME_DIR: "/run/user/1000" }, 1000)).toBe(
      "/run/user/1000/first-mate/channel.sock",
    );
    expect(defaultSocketPath({}, 1000)).toBe("/tmp/first-mate-1000/channel.sock");
    expect(defaultSocketPath({ XDG_RUNTIME_DIR: "relative" }, 7)).toBe("/tmp/first-mate-7/channel.sock");
  });
});
