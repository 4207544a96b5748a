/**
 * The installed hook command can never block an agent: Claude Code reads
 * exit code 2 as "block", and waits for every hook. Each failure case runs
 * the command exactly as install-hooks writes it into settings.json, through
 * `/bin/sh -c` as Claude Code runs it, and must exit 0 within 300 ms.
 */
import { spawn } from "node:child_process";
import { copyFile, mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultHookCommand } from "../../src/commands/hooksCommand.js";
import { runCli } from "../../src/commands/program.js";
import { findPython3, packageFile } from "../../src/host/nodeScript.js";

const STOP_PAYLOAD = JSON.stringify({ hook_event_name: "Stop", session_id: "s-1", stop_hook_active: false });
const BOUND_MS = 300;

let dir: string;
let runDir: string;
let hungServer: Server;
const hungSockets = new Set<Socket>();

/** Install into a fresh settings file and return the Stop hook's command, as written. */
const installedCommand = async (name: string, extra: string[]): Promise<string> => {
  const settings = join(dir, `${name}.settings.json`);
  const code = await runCli(["install-hooks", "--settings", settings, ...extra], {
    out: () => undefined,
    err: () => undefined,
  });
  expect(code).toBe(0);
  const parsed = JSON.parse(await readFile(settings, "utf8")) as {
    hooks: Record<string, { hooks: { command: string }[] }[]>;
  };
  return parsed.hooks.Stop![0]!.hooks[0]!.command;
};

/** Run a hook command the way Claude Code does; resolves with its exit code and wall time. */
const runAsClaudeCode = (command: string): Promise<{ code: number | null; ms: number; stdout: string }> =>
  new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn("/bin/sh", ["-c", command], {
      env: { ...process.env, TMUX_PANE: "%3" },
      stdio: ["pipe", "pipe", "ignore"],
    });
    let stdout = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.once("error", reject);
    child.once("exit", (code) => resolve({ code, ms: performance.now() - started, stdout }));
    child.stdin.on("error", () => undefined);
    child.stdin.end(STOP_PAYLOAD);
  });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "fm-hook-block-"));
  runDir = join(dir, "run");
  await mkdir(runDir, { mode: 0o700 });
  hungServer = createServer((socket) => {
    // Accepts, reads, never answers.
    hungSockets.add(socket);
    socket.on("error", () => undefined);
    socket.resume();
  });
  await new Promise<void>((resolve) => hungServer.listen(join(runDir, "hung.sock"), resolve));
});

afterAll(async () => {
  for (const socket of hungSockets) socket.destroy();
  await new Promise<void>((resolve) => hungServer.close(() => resolve()));
  await rm(dir, { recursive: true, force: true });
});

describe("the installed hook command never blocks the agent", () => {
  const python = findPython3();

  it("python3 is on this machine, so the fast hook is what install-hooks writes", () => {
    expect(python).not.toBeNull();
  });

  it("hook script missing: exits 0 within 300 ms (python alone exits 2, which Claude Code reads as block)", async () => {
    const script = join(dir, "moved", "first_mate_hook.py");
    await mkdir(join(dir, "moved"));
    await copyFile(packageFile("driver-mcp", "hook/first_mate_hook.py"), script);
    const command = defaultHookCommand(join(runDir, "channel.sock"), python, script);
    expect(command).toContain(script);
    await rm(script);
    const result = await runAsClaudeCode(command);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe("");
    expect(result.ms).toBeLessThan(BOUND_MS);
  });

  it("interpreter missing: exits 0 within 300 ms (a shell alone exits 127)", async () => {
    const command = defaultHookCommand(join(runDir, "channel.sock"), join(dir, "no-such-python3"));
    const result = await runAsClaudeCode(command);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe("");
    expect(result.ms).toBeLessThan(BOUND_MS);
  });

  it("host down: exits 0 within 300 ms", async () => {
    const command = await installedCommand("host-down", ["--socket", join(runDir, "nobody-home.sock")]);
    const result = await runAsClaudeCode(command);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe("");
    expect(result.ms).toBeLessThan(BOUND_MS);
  });

  it("host accepting but never answering: exits 0 within 300 ms (it waits at most 200 ms for the reply)", async () => {
    const command = await installedCommand("host-hung", ["--socket", join(runDir, "hung.sock")]);
    const result = await runAsClaudeCode(command);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe("");
    expect(result.ms).toBeLessThan(BOUND_MS);
    // It did reach the hung host: the wait, not a refusal, is what ended it.
    expect(hungSockets.size).toBeGreaterThan(0);
  });

  it("a hand-given --command is wrapped the same way: one that exits 2 still exits 0 as installed", async () => {
    const command = await installedCommand("hand", ["--command", "exit 2"]);
    const result = await runAsClaudeCode(command);
    expect(result.code).toBe(0);
  });
});
