/**
 * Conformance against the real agent CLIs (`npm run test:agents`): Claude
 * Code, Codex and Gemini CLI at pinned versions from npm, run on an isolated
 * tmux server with an isolated, offline HOME, watched by a real host.
 *
 * Each agent is started the way a user does: typed into a shell in a pane,
 * so tmux names the pane by what runs in front (`node` for the npm
 * installs, `python3` for a console script), never by a start command.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PaneId, PaneProcess, ProcessPort } from "@first-mate/core";
import { endPane } from "@first-mate/core/runtime";
import { createProcessDriver } from "@first-mate/driver-tmux";
import * as E from "fp-ts/lib/Either.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../packages/cli/src/commands/program.js";
import { createE2eWorld, type E2eWorld, type HostUnderTest, waitFor } from "../packages/cli/test/e2e/e2eWorld.js";
import { agentBinary, ciVariables, installedVersion, isolatedAgentHome, PINNED_AGENTS } from "./agents.js";
import { type ScriptedModelApi, startScriptedModelApi } from "./scriptedModelApi.js";

let world: E2eWorld;
let host: HostUnderTest;
let home = "";
let cwd = "";
let agentEnv: Record<string, string> = {};
let api: ScriptedModelApi | null = null;
const panes: Record<string, PaneId> = {};
const processes = createProcessDriver();
/** Detached daemons the agents started (Codex's app-server): not the panes' to end, so the suite ends them. */
const daemons: PaneProcess[] = [];

const shellWords = (env: Record<string, string>) =>
  Object.entries(env)
    .map(([name, value]) => `${name}='${value.replaceAll("'", `'\\''`)}'`)
    .join(" ");

/** Opens a window running a shell, then types `command` into it, as a user would. */
const startTyped = async (name: string, command: string): Promise<PaneId> => {
  const paneId = (
    await world.tmux(["new-window", "-d", "-P", "-F", "#{pane_id}", "-t", "fleet:", "-n", name, "-c", cwd, "sh"])
  ).trim() as PaneId;
  await world.tmux(["send-keys", "-t", paneId, "-l", "--", command]);
  await world.tmux(["send-keys", "-t", paneId, "Enter"]);
  return paneId;
};

const screen = (paneId: string) => world.tmux(["capture-pane", "-p", "-t", paneId]);

const savedEnv = { ...process.env };

beforeAll(async () => {
  for (const [name, version] of Object.entries(PINNED_AGENTS))
    if (installedVersion(name) !== version)
      throw new Error(`${name}@${version} is not installed: run npm run test:agents (it installs the agents first)`);
  // The tmux server, and so every pane (the host's first mate included), starts with the isolated HOME.
  home = mkdtempSync(join(tmpdir(), "fm-agents-home-"));
  // Offline but for loopback: the model API is a script, so the real Claude Code can call tools.
  api = await startScriptedModelApi();
  agentEnv = { ...isolatedAgentHome(home, []), ANTHROPIC_BASE_URL: api.url };
  Object.assign(process.env, agentEnv);
  // The tmux server, so every pane, inherits this environment: a terminal's, not a CI job's (restored after).
  for (const name of ciVariables(process.env)) delete process.env[name];
  world = await createE2eWorld();
  cwd = join(world.dir, "work");
  mkdirSync(cwd, { recursive: true });
  isolatedAgentHome(home, [world.dir, cwd]);
  // The hooks go where Claude Code reads them: the worker's project settings (the first mate runs elsewhere,
  // in the world's directory: its hooks come with its launch, not from install-hooks).
  const installed = await runCli(["install-hooks", "--project", cwd, "--socket", world.socketPath], {
    out: () => {},
    err: (line) => process.stderr.write(`${line}\n`),
  });
  if (installed !== 0) throw new Error(`install-hooks exited ${installed}`);
  // The first mate is the real Claude Code, launched by the host.
  host = await world.startHost({
    // A push the first mate does not act on within 10 s makes its channel unavailable.
    core: { channelConfirmMs: 10_000 },
    agent: {
      kind: "claude",
      binary: agentBinary("claude"),
      // The pull tools run without a permission prompt (nobody is there to answer it).
      extraArgs: ["--allowedTools", "mcp__first-mate__fleet_digest,mcp__first-mate__inbox"],
    },
  });
}, 120_000);

afterAll(async () => {
  const firstMate = host?.host.runtime.status().firstMate?.paneId;
  // The host stops first, so no first mate is started again while the panes are ended.
  await host?.host.stop();
  if (firstMate) panes.firstMate = firstMate;
  for (const paneId of Object.values(panes)) {
    const pane = host?.host.runtime.state().fleet.find((candidate) => candidate.paneId === paneId);
    if (pane?.pid) {
      const tree = await processes.tree(pane.pid);
      if (E.isRight(tree))
        daemons.push(...tree.right.filter((process) => process.sessionId !== tree.right[0]?.sessionId));
      await endPane({ tmux: host.host.tmux, processes }, { paneId, pid: pane.pid });
    }
  }
  await processes.signal(daemons, "SIGTERM");
  await world?.dispose();
  await processes.signal(await processes.alive(daemons), "SIGKILL");
  for (const name of Object.keys(agentEnv)) delete process.env[name];
  Object.assign(process.env, savedEnv);
  if (home !== "") rmSync(home, { recursive: true, force: true });
  await api?.close();
}, 120_000);

describe("the real agents", () => {
  it("(1) each agent is detected with its kind: Claude Code (native), Codex and Gemini CLI (npm, shown as node), an Aider-style Python console script (python3)", async () => {
    const env = shellWords(agentEnv);
    panes.claude = await startTyped("claude", `${env} ${agentBinary("claude")}`);
    panes.codex = await startTyped("codex", `${env} ${agentBinary("codex")}`);
    panes.gemini = await startTyped("gemini", `${env} ${agentBinary("gemini")}`);
    // Aider is a pip install: its console script is a small Python file named after it.
    const aider = join(world.dir, "bin", "aider");
    mkdirSync(join(world.dir, "bin"), { recursive: true });
    writeFileSync(aider, "#!/usr/bin/env python3\nimport time\nwhile True:\n    time.sleep(60)\n");
    chmodSync(aider, 0o755);
    panes.aider = await startTyped("aider", `${env} ${aider} --model none`);

    const expected: Record<string, { kind: string; shownAs: RegExp }> = {
      claude: { kind: "claude", shownAs: /^claude$/ },
      codex: { kind: "codex", shownAs: /^node$/ },
      gemini: { kind: "gemini", shownAs: /^node$/ },
      aider: { kind: "aider", shownAs: /^python3/ },
    };
    // The kind can be known before tmux names the program: a wrapper (pyenv's shim, say) runs first.
    await waitFor(
      "every agent in the digest with its kind, and tmux naming what runs in front",
      () => {
        const rows = host.host.runtime.digest().panes;
        const fleet = host.host.runtime.state().fleet;
        return Object.entries(expected).every(
          ([name, { kind, shownAs }]) =>
            rows.find((row) => row.handle === panes[name])?.agent === kind &&
            shownAs.test(fleet.find((pane) => pane.paneId === panes[name])?.command ?? ""),
        );
      },
      {
        timeoutMs: 90_000,
        describe: () =>
          JSON.stringify(
            host.host.runtime
              .state()
              .fleet.filter((pane) => Object.values(panes).includes(pane.paneId as PaneId))
              .map((pane) => ({ pane: pane.paneId, command: pane.command, processes: pane.processes })),
          ),
      },
    );
    // tmux names the npm installs `node` and the console script `python3`: the kind came through the wrappers.
    for (const [name, { shownAs }] of Object.entries(expected)) {
      const pane = host.host.runtime.state().fleet.find((candidate) => candidate.paneId === panes[name]);
      expect(pane?.command, name).toMatch(shownAs);
      expect(pane?.startCommand ?? "sh", name).toBe("sh");
    }
  });

  it("(2) Claude Code launched by the host as the first mate attaches with its token verified", async () => {
    const attached = await waitFor(
      "the first mate's verified attach",
      () =>
        host.events("ChannelAttached").find((event) => event.type === "ChannelAttached" && event.firstMate) as
          | { paneId: PaneId }
          | undefined,
      { timeoutMs: 120_000, describe: () => JSON.stringify(host.events().slice(-10)) },
    );
    const marker = host.host.runtime.status().firstMate;
    expect(marker?.paneId).toBe(attached.paneId);
    // The real Claude Code binary, not a stand-in (a listing taken before its shell's exec names the shell).
    const pane = await waitFor(
      "the first mate's pane listed running claude",
      () => {
        const listed = host.host.runtime.state().fleet.find((candidate) => candidate.paneId === attached.paneId);
        return listed?.command === "claude" ? listed : undefined;
      },
      {
        timeoutMs: 60_000,
        describe: () =>
          JSON.stringify(host.host.runtime.state().fleet.find((candidate) => candidate.paneId === attached.paneId)),
      },
    );
    expect(pane.command).toBe("claude");
    expect(host.host.runtime.status().firstMateAttached).toBe(true);
  });

  it("the first mate launched by the host has first-mate's hooks by construction: its SessionStart reaches the host with provenance hook", async () => {
    const firstMate = host.host.runtime.status().firstMate?.paneId;
    expect(firstMate).toBeDefined();
    // No install-hooks reached the first mate's directory or HOME: these come from its launch (--settings).
    await waitFor(
      "a SessionStart hook from the first mate",
      () => host.host.runtime.state().agents[firstMate!]?.evidence.hook?.detail?.startsWith("SessionStart"),
      { timeoutMs: 120_000, describe: () => JSON.stringify(host.host.runtime.state().agents[firstMate!]) },
    );
  });

  it("(3) hooks written by install-hooks fire from the real Claude Code and reach the host as state with provenance hook", async () => {
    const claude = panes.claude!;
    // SessionStart arrives once Claude Code is up (offline it spends ~20 s on network time-outs first).
    await waitFor(
      "a SessionStart hook from Claude Code",
      () => host.host.runtime.state().agents[claude]?.evidence.hook?.detail?.startsWith("SessionStart"),
      { timeoutMs: 120_000, describe: () => JSON.stringify(host.host.runtime.state().agents[claude]) },
    );
    // A typed prompt fires UserPromptSubmit: the pane is busy, and the hook is what says so.
    await waitFor("Claude Code's prompt", async () => /❯|>/.test(await screen(claude)), { timeoutMs: 60_000 });
    const typed = await host.host.tmux.sendText(claude, "say hello");
    expect(E.isRight(typed)).toBe(true);
    const evidence = await waitFor(
      "a UserPromptSubmit hook from Claude Code",
      () => {
        const record = host.host.runtime.state().agents[claude];
        return record?.evidence.hook?.detail === "UserPromptSubmit" ? record : undefined;
      },
      { timeoutMs: 60_000, describe: () => JSON.stringify(host.host.runtime.state().agents[claude]) },
    );
    expect(evidence.evidence.hook?.state).toBe("busy");
    expect(evidence.resolved.source).toBe("hook");
    const row = host.host.runtime.digest().panes.find((candidate) => candidate.handle === claude);
    expect(row?.stateSource).toBe("hook");
  });

  it("ending the real Gemini CLI ends all its processes (it catches SIGHUP; tmux alone leaves both running)", async () => {
    // A Gemini CLI of its own, ended once it is up: the test does not lean on the one from (1) still running.
    const gemini = await startTyped("gemini-ended", `${shellWords(agentEnv)} ${agentBinary("gemini")}`);
    panes.geminiEnded = gemini;
    let seen = { tree: "", screen: "" };
    const { pid, tree } = await waitFor(
      "the Gemini CLI on screen, its Node wrapper and its Node child in the pane's tree",
      async () => {
        const pid = Number((await world.tmux(["display", "-p", "-t", gemini, "#{pane_pid}"])).trim());
        const read = await processes.tree(pid);
        if (E.isLeft(read)) throw new Error(read.left.message);
        const screenNow = await screen(gemini);
        seen = { tree: JSON.stringify(read.right.map((process) => process.argv.slice(0, 3))), screen: screenNow };
        const nodes = read.right.filter(
          (process) => /node/.test(process.argv[0] ?? "") && process.argv.some((word) => word.includes("gemini")),
        );
        // sh, the Node wrapper and its Node child, with the CLI drawn: its start-up is over.
        return nodes.length >= 2 && /Gemini CLI/.test(screenNow) ? { pid, tree: read.right } : undefined;
      },
      { timeoutMs: 90_000, describe: () => `tree: ${seen.tree}\nscreen:\n${seen.screen}` },
    );
    // The tree endPane records is its own read (start-up helpers may come and go meanwhile): keep it to compare.
    let recorded: readonly PaneProcess[] = [];
    const recording: ProcessPort = {
      ...processes,
      tree: async (rootPid) => {
        const read = await processes.tree(rootPid);
        if (E.isRight(read)) recorded = read.right;
        return read;
      },
    };
    const ended = await endPane({ tmux: host.host.tmux, processes: recording }, { paneId: gemini, pid });
    delete panes.geminiEnded;
    expect(E.isRight(ended.closed)).toBe(true);
    const same = (a: PaneProcess, b: PaneProcess) => a.pid === b.pid && a.startTime === b.startTime;
    // Both Node processes were recorded before the window closed, with the whole tree around them.
    for (const node of tree.filter((process) => /node/.test(process.argv[0] ?? "")))
      expect(recorded.some((process) => same(process, node))).toBe(true);
    expect(ended.report.recorded + ended.report.spared).toBe(recorded.length);
    expect(ended.report.survivors).toEqual([]);
    expect(await processes.alive([...tree, ...recorded])).toEqual([]);
  });

  it("(4) with channels unavailable, the host decides unavailable, alerts, types the wake-up into the first mate's pane, and the real first mate pulls fleet_digest through its real shim", async () => {
    const firstMate = host.host.runtime.status().firstMate?.paneId;
    expect(firstMate).toBeDefined();
    // Offline, Claude Code drops every channel push without a word: the host must find out by itself.
    await waitFor("the channel decided unavailable", () => host.host.runtime.status().channel === "unavailable", {
      timeoutMs: 120_000,
      describe: () => JSON.stringify(host.host.runtime.status()),
    });
    // The alert is reported once the batch's log line is written: after the decision the status shows.
    const alerts = await waitFor("the channel_unavailable alert", () => {
      const raised = host.reports.filter(
        ({ report }) => report.type === "alert" && report.code === "channel_unavailable",
      );
      return raised.length > 0 ? raised : undefined;
    });
    expect(alerts).toHaveLength(1);
    // The wake-up is typed into the first mate's pane: counts only, never fleet content.
    const wakeUp = await waitFor(
      "the wake-up on the first mate's screen",
      async () =>
        (await screen(firstMate!)).split("\n").find((line) => /waiting — call fleet_digest \/ inbox/.test(line)),
      { timeoutMs: 60_000 },
    );
    expect(wakeUp).not.toContain(panes.codex!);
    // The real Claude Code answers it by calling fleet_digest through its real shim, and gets the digest.
    const digest = await waitFor("the digest back from the real shim", () => api?.digests[0], {
      timeoutMs: 60_000,
      describe: () => `requests: ${JSON.stringify(api?.prompts)}\n`,
    }).catch(async (error: unknown) => {
      throw new Error(`${String(error)}\nfirst mate's screen:\n${await screen(firstMate!)}`);
    });
    // What the first mate pulled is the host's current picture: the workers, never its own pane.
    expect(digest).toContain(panes.codex!);
    expect(digest).toContain(panes.claude!);
    expect(digest).not.toContain(`${firstMate!} `);
    expect(host.host.runtime.status().wakeUps).toBeGreaterThanOrEqual(1);
  });
});
