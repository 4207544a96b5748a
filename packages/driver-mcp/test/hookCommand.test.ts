/**
 * The hook command end to end: the real `first-mate-hook` process, the real
 * channel server on a temp socket, and the core's real ToolHost (the runtime
 * over the core's fakes). Each recorded Claude Code payload moves the pane's
 * state; a bad payload is refused and the server keeps serving; with the
 * server down the command still exits 0.
 */
import { spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { AgentState, PaneId } from "@first-mate/core";
import { createRuntime, type FirstMateLauncher, type Runtime } from "@first-mate/core/runtime";
import { createFakeChannel, createFakeClock, createFakeStore, createFakeTmux } from "@first-mate/core/testing";
import * as E from "fp-ts/lib/Either.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ChannelServer, createChannelServer } from "../src/channelServer.js";
import { openRaw } from "./support/rawConnection.js";

const here = dirname(fileURLToPath(import.meta.url));

/** The two hook commands, which speak the same protocol: Node (the bin) and Python 3 (the fast one). */
const HOOKS = {
  node: [
    process.execPath,
    "--conditions=@first-mate/source",
    "--import",
    "tsx",
    join(here, "..", "src", "hook", "bin.ts"),
  ],
  python: ["python3", "-I", "-S", join(here, "..", "hook", "first_mate_hook.py")],
} as const;
type HookKind = keyof typeof HOOKS;
const FIXTURES = join(here, "fixtures", "claudeHooks");

/** What each recorded payload leaves the pane in, in recording order. */
const EXPECTED: Readonly<Record<string, AgentState>> = {
  "01-SessionStart.json": "idle",
  "02-UserPromptSubmit.json": "busy",
  "03-PreToolUse.json": "busy",
  "04-Notification-permission_prompt.json": "waiting_permission",
  "05-PostToolUse.json": "busy",
  "06-Stop.json": "idle",
  "07-Notification-idle_prompt.json": "waiting_input",
  "08-SessionEnd.json": "ended",
};

const launcher: FirstMateLauncher = {
  prepare: async ({ session, window }) => ({
    request: { session, window, argv: ["claude"], env: {} },
    tokenHash: "a".repeat(64),
  }),
};

/** Run the hook command with `input` on stdin; resolves with its exit code and stdout. */
const runHookCommand = (
  kind: HookKind,
  input: string,
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> =>
  new Promise((resolve, reject) => {
    const [command, ...args] = HOOKS[kind];
    const child = spawn(command, args, {
      env: { ...process.env, ...env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.once("error", reject);
    child.once("exit", (code) => resolve({ code, stdout, stderr }));
    child.stdin.on("error", () => undefined);
    child.stdin.end(input);
  });

let dir: string;
let socketPath: string;
let runtime: Runtime;
let server: ChannelServer;
/** One worker pane per hook command, so the two runs do not share a state history. */
const workers = {} as Record<HookKind, PaneId>;
let worker: PaneId;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "fm-hook-"));
  socketPath = join(dir, "run", "channel.sock");
  const clock = createFakeClock();
  const tmux = createFakeTmux(() => clock.now());
  worker = tmux.addPane({ command: "claude", windowName: "api", title: "api work" });
  workers.node = worker;
  workers.python = tmux.addPane({ command: "claude", windowName: "web", title: "web work" });
  runtime = createRuntime({
    tmux,
    channel: createFakeChannel(),
    store: createFakeStore(),
    clock,
    launcher,
    owner: "hook-test",
  });
  await runtime.start();
  await runtime.idle();
  server = createChannelServer({ socketPath, host: runtime.toolHost });
  const listening = await server.listen();
  if (E.isLeft(listening)) throw new Error(listening.left.message);
});

afterAll(async () => {
  await server?.close();
  await runtime?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe.each(Object.keys(HOOKS) as HookKind[])("the %s hook command against the real server", (kind) => {
  it("each recorded Claude Code payload moves the pane's state, with the hook as its source", async () => {
    const files = (await readdir(FIXTURES)).filter((name) => name.endsWith(".json")).sort();
    expect(files).toEqual(Object.keys(EXPECTED).sort());
    for (const file of files) {
      const result = await runHookCommand(kind, await readFile(join(FIXTURES, file), "utf8"), {
        TMUX_PANE: workers[kind],
        FIRST_MATE_SOCKET: socketPath,
      });
      expect(result.code, `${file}: ${result.stderr}`).toBe(0);
      expect(result.stdout).toBe("");
      // The command exits at its deadline even when the server's reply has not come yet (a loaded
      // machine): the payload it sent is then heard after the exit, so wait for the state it sets.
      const settled = () => runtime.state().agents[workers[kind]]?.resolved;
      for (const deadline = Date.now() + 10_000; Date.now() < deadline; ) {
        await runtime.idle();
        if (settled()?.state === EXPECTED[file] && settled()?.source === "hook") break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const resolved = settled();
      expect({ file, state: resolved?.state, source: resolved?.source }).toEqual({
        file,
        state: EXPECTED[file],
        source: "hook",
      });
      const row = runtime.digest().panes.find((pane) => pane.handle === workers[kind]);
      if (EXPECTED[file] !== "ended") {
        expect(row?.state).toBe(EXPECTED[file]);
        expect(row?.stateSource).toBe("hook");
        expect(row?.blocked).toBe(EXPECTED[file] === "waiting_permission");
      }
      if (file.startsWith("04-")) {
        const outbox = runtime.state().interrupts.outbox;
        expect(outbox.filter((entry) => entry.source === workers[kind] && entry.kind === "need_human")).toHaveLength(1);
        expect(outbox.at(-1)?.message).toContain("Claude needs your permission to use Bash");
      }
    }
  });

  it("an ended pane stays ended until a new session starts", async () => {
    const env = { TMUX_PANE: workers[kind], FIRST_MATE_SOCKET: socketPath };
    await runHookCommand(kind, await readFile(join(FIXTURES, "02-UserPromptSubmit.json"), "utf8"), env);
    await runtime.idle();
    expect(runtime.state().agents[workers[kind]]?.resolved.state).toBe("ended");
    await runHookCommand(kind, await readFile(join(FIXTURES, "01-SessionStart.json"), "utf8"), env);
    await runHookCommand(kind, await readFile(join(FIXTURES, "02-UserPromptSubmit.json"), "utf8"), env);
    await runtime.idle();
    expect(runtime.state().agents[workers[kind]]?.resolved.state).toBe("busy");
  });

  it("input that is not JSON, or names no event, is dropped quietly with exit 0", async () => {
    const env = { TMUX_PANE: workers[kind], FIRST_MATE_SOCKET: socketPath };
    for (const input of ["", "not json at all", '{"session_id":"x"}']) {
      const result = await runHookCommand(kind, input, env);
      expect(result.code).toBe(0);
      expect(result.stdout).toBe("");
    }
  });

  it("with the server down, or outside tmux, the command exits 0 and says nothing", async () => {
    const stdin = await readFile(join(FIXTURES, "06-Stop.json"), "utf8");
    const down = await runHookCommand(kind, stdin, {
      TMUX_PANE: workers[kind],
      FIRST_MATE_SOCKET: join(dir, "nobody-home.sock"),
    });
    expect(down).toEqual({ code: 0, stdout: "", stderr: "" });
    const outside = await runHookCommand(kind, stdin, { TMUX_PANE: "", FIRST_MATE_SOCKET: socketPath });
    expect(outside).toEqual({ code: 0, stdout: "", stderr: "" });
  }, 30_000);
});

describe("the hook role on the real server", () => {
  it("a malformed payload gets a typed error line and is dropped; the server keeps serving", async () => {
    const before = runtime.state().agents[worker]?.resolved;
    for (const payload of [{ session_id: "x" }, { hook_event_name: 7 }, { hook_event_name: "Stop; rm -rf /" }]) {
      const raw = await openRaw(socketPath);
      try {
        raw.write(`${JSON.stringify({ role: "hook", pane: worker, payload })}\n`);
        await raw.closed;
        expect(raw.lines).toHaveLength(1);
        expect(JSON.parse(raw.lines[0]!).error.code).toBe("HookPayloadInvalid");
      } finally {
        raw.destroy();
      }
    }
    expect(runtime.state().agents[worker]?.resolved).toEqual(before);
    const raw = await openRaw(socketPath);
    try {
      raw.write(`${JSON.stringify({ role: "hook", pane: worker, payload: { hook_event_name: "Stop" } })}\n`);
      await raw.closed;
      expect(JSON.parse(raw.lines[0]!)).toEqual({ ok: true, state: "idle via hook" });
    } finally {
      raw.destroy();
    }
  });
});

describe("the python hook's deadline", () => {
  it("a deadline reached while the interpreter shut down ended the hook by SIGALRM (the default action by then), not exit 0: it exits 0", async () => {
    const scratch = await mkdtemp(join(tmpdir(), "fm-hook-deadline-"));
    try {
      // Runs the hook as its own __main__, with an object whose finalizer outlasts the 150 ms deadline: it runs
      // during the interpreter's shutdown, after the signal handlers are put back to their defaults.
      const wrapper = join(scratch, "slow_shutdown.py");
      await writeFile(
        wrapper,
        [
          "import runpy, sys, time",
          "class SlowToFinalize:",
          "    def __del__(self):",
          "        time.sleep(0.5)",
          "keep = SlowToFinalize()",
          "runpy.run_path(sys.argv[1], run_name='__main__')",
          "",
        ].join("\n"),
      );
      const [python, ...flags] = HOOKS.python;
      const hookScript = flags.pop()!;
      const code = await new Promise<number | null>((resolve, reject) => {
        const child = spawn(python, [...flags, wrapper, hookScript], {
          env: { ...process.env, TMUX_PANE: "%2", FIRST_MATE_SOCKET: join(scratch, "nobody-home.sock") },
          stdio: ["pipe", "ignore", "ignore"],
        });
        child.once("error", reject);
        child.once("exit", (exitCode) => resolve(exitCode));
        child.stdin.on("error", () => undefined);
        child.stdin.end(JSON.stringify({ hook_event_name: "Stop", session_id: "s-1" }));
      });
      expect(code).toBe(0);
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  });
});
