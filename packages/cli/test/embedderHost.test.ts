/**
 * The embedder surface of a real host: `startHost` with a real tmux server
 * (`-L`), a SQLite file and the channel socket, reached by the SDK client
 * with the token from the token file.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { connectChannel, EMBEDDER_ALERT_METHOD, type HelloInput, parseHelloRefusal } from "@first-mate/driver-mcp";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import * as E from "fp-ts/lib/Either.js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { embedderTokenPath, readEmbedderTokenFile } from "../src/host/embedderTokenFile.js";
import { createEmbedderWorld, type EmbedderWorld, LOOKS_LIKE_AN_AGENT } from "./embedderWorld.js";

const AlertSchema = z.object({
  method: z.literal(EMBEDDER_ALERT_METHOD),
  params: z.object({ level: z.string(), code: z.string(), message: z.string(), at: z.number() }),
});

let world: EmbedderWorld;
const clients: Client[] = [];
beforeEach(async () => {
  world = await createEmbedderWorld();
});
afterEach(async () => {
  await Promise.allSettled(clients.splice(0).map((client) => client.close()));
  await world.dispose();
});

const until = async (what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};

const connect = async (hello: HelloInput, name = "orchestrator") => {
  const transport = await connectChannel({ socketPath: world.socketPath, hello });
  if (E.isLeft(transport)) throw new Error(transport.left.message);
  const client = new Client({ name, version: "0.0.0" });
  clients.push(client);
  await client.connect(transport.right);
  return client;
};

const tokenOf = async (path: string) => {
  const token = await readEmbedderTokenFile(path);
  if (E.isLeft(token)) throw new Error(token.left.message);
  return token.right;
};

const call = async (client: Client, name: string, args: Record<string, unknown> = {}) => {
  const result = await client.callTool({ name, arguments: args });
  const content = result.content as { type: string; text: string }[];
  return { isError: result.isError === true, text: content[0]?.text ?? "", content };
};

/** An agent that records its spawn token, then looks like Claude Code: the test can then attach as it. */
const recordingFirstMate = (tokenFile: string) => ({
  kind: "command" as const,
  argv: ["bash", "-c", `mv "$FIRST_MATE_TOKEN_FILE" '${tokenFile}'; exec -a claude sleep 600`],
});

describe("embedder token file", () => {
  it("is fresh per start, mode 0600 under the state dir, admits the embedder, and is removed on stop", async () => {
    await world.presetKillSwitch(true);
    const host = await world.startHost({ kind: "command", argv: LOOKS_LIKE_AN_AGENT });
    expect(host.embedderTokenPath).toBe(embedderTokenPath(world.stateDir));
    expect(host.embedderTokenPath).toBe(join(world.stateDir, "embedder.token"));
    expect(statSync(host.embedderTokenPath).mode & 0o777).toBe(0o600);
    const token = await tokenOf(host.embedderTokenPath);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const client = await connect({ role: "embedder", token });
    const names = (await client.listTools()).tools.map((tool) => tool.name);
    expect(names).toContain("update_inputs");
    expect(names).not.toContain("notify");

    await host.stop();
    expect(() => statSync(host.embedderTokenPath)).toThrow();
    const again = await world.startHost({ kind: "command", argv: LOOKS_LIKE_AN_AGENT });
    expect(await tokenOf(again.embedderTokenPath)).not.toBe(token);
  });

  it("a wrong token is refused with HelloUnauthorized", async () => {
    await world.presetKillSwitch(true);
    await world.startHost({ kind: "command", argv: LOOKS_LIKE_AN_AGENT });
    const { connect: netConnect } = await import("node:net");
    const socket = netConnect(world.socketPath);
    const line = await new Promise<string>((resolve, reject) => {
      let buffer = "";
      socket.on("data", (chunk) => {
        buffer += chunk.toString("utf8");
        if (buffer.includes("\n")) resolve(buffer.slice(0, buffer.indexOf("\n")));
      });
      socket.on("error", reject);
      socket.on("connect", () => socket.write(`${JSON.stringify({ role: "embedder", token: "guess" })}\n`));
    });
    socket.destroy();
    expect(parseHelloRefusal(line)?.code).toBe("HelloUnauthorized");
  });
});

describe("first-mate run", () => {
  it("prints the embedder token path; the file exists while it runs and is gone after Ctrl-C", async () => {
    await world.presetKillSwitch(true);
    const configPath = join(world.dir, "config.json");
    const config = {
      tmux: { socketName: world.socketName },
      databasePath: world.databasePath,
      socketPath: world.socketPath,
      stateDir: world.stateDir,
      cwd: world.dir,
      agent: { kind: "command", argv: LOOKS_LIKE_AN_AGENT },
    };
    writeFileSync(configPath, JSON.stringify(config));
    const bin = join(dirname(fileURLToPath(import.meta.url)), "..", "src", "bin.ts");
    const tsx = createRequire(import.meta.url).resolve("tsx");
    const child = spawn(
      process.execPath,
      ["--conditions=@first-mate/source", "--import", tsx, bin, "run", "--config", configPath],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
    });
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    try {
      // The whole line: a pipe may hand it over in more than one piece.
      await until("the token line", () => /embedder token: [^\n]*\n/.test(output), 60_000);
      const tokenPath = join(world.stateDir, "embedder.token");
      expect(output).toContain(`embedder token: ${tokenPath} `);
      expect(statSync(tokenPath).mode & 0o777).toBe(0o600);
      const client = await connect({ role: "embedder", token: await tokenOf(tokenPath) });
      expect(JSON.parse((await call(client, "status")).text)).toMatchObject({ running: true, killSwitch: true });
      child.kill("SIGINT");
      expect(await exited).toBe(0);
      expect(existsSync(tokenPath)).toBe(false);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  }, 120_000);
});

describe("embedder on a running host", () => {
  it("update_inputs changes the digest the first mate pulls", async () => {
    const spawnTokenFile = join(world.dir, "first-mate.spawn-token");
    const worker = await world.addPane("api");
    const host = await world.startHost(recordingFirstMate(spawnTokenFile));
    await until("the first mate to start", () => host.runtime.status().firstMate !== null);
    await until("the spawn token file", () => {
      try {
        return readFileSync(spawnTokenFile, "utf8").length > 0;
      } catch {
        return false;
      }
    });
    const firstMatePane = host.runtime.status().firstMate!.paneId;
    // A first mate's hello names its tmux server ($TMUX), as the shim's does.
    // …by socket path and server pid, as $TMUX does (a hello for another server pid is refused).
    const tmuxServer = (await world.tmux(["display-message", "-p", "#{socket_path},#{pid}"])).trim();
    const firstMate = await connect(
      { pane: firstMatePane, token: readFileSync(spawnTokenFile, "utf8"), tmux: `${tmuxServer},0` },
      "first-mate",
    );
    await until("the first mate to attach", () => host.runtime.status().firstMateAttached);
    await until("the worker in the digest", () => host.runtime.digest().panes.some((pane) => pane.handle === worker));

    const embedder = await connect({ role: "embedder", token: await tokenOf(host.embedderTokenPath) });
    const updated = await call(embedder, "update_inputs", {
      panes: { [worker]: { statusLine: "migrating the billing tables", pr: 77, ci: "green" } },
      usage: { percent: 61, resetsAt: null },
    });
    expect(updated).toMatchObject({ isError: false, text: "inputs updated (1 pane, usage)" });

    const pulled = await call(firstMate, "fleet_digest");
    expect(pulled.isError).toBe(false);
    expect(pulled.text).toContain("migrating the billing tables");
    expect(pulled.text).toContain("budget 61%");

    const status = JSON.parse((await call(embedder, "status")).text);
    expect(status).toMatchObject({ running: true, firstMateAttached: true });
    // The embedder sees whether the first mate hears its channel, as `status` does.
    expect(["unconfirmed", "confirmed", "unavailable"]).toContain(status.channel);
    const digest = JSON.parse((await call(embedder, "fleet_digest")).content[1]!.text);
    expect(digest.panes.map((pane: { handle: string }) => pane.handle)).toEqual([worker]);
  });

  it("a crash-loop alert reaches the embedder as notifications/first_mate/alert", async () => {
    await world.presetKillSwitch(true);
    const host = await world.startHost({ kind: "command", argv: ["sh", "-c", "sleep 0.2"] });
    const embedder = await connect({ role: "embedder", token: await tokenOf(host.embedderTokenPath) });
    const alerts: z.infer<typeof AlertSchema>["params"][] = [];
    embedder.setNotificationHandler(AlertSchema, (notification) => {
      alerts.push(notification.params);
    });
    await until("the embedder to attach", () => host.channelServer.embedders().some((info) => info.attached));
    // The embedder lets the supervisor start a first mate that dies at once, again and again.
    expect((await call(embedder, "set_kill_switch", { on: false })).isError).toBe(false);
    await until("the alert", () => alerts.length > 0, 60_000);
    expect(alerts[0]).toMatchObject({ level: "critical", code: "first_mate_crash_loop" });
    expect(host.runtime.status().gaveUp).toBe(true);
    const bad = await call(embedder, "update_inputs", { usage: { percent: "lots" } });
    expect(bad.isError).toBe(true);
    expect((await call(embedder, "reset_supervisor")).isError).toBe(false);
  }, 120_000);
});
