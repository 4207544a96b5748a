/**
 * The prompt travels by file: Claude Code gets `--append-system-prompt-file`
 * (never the prompt in argv, which Linux caps at 128 KiB per argument),
 * other agents `FIRST_MATE_PROMPT_FILE`; the file is 0600 in a 0700
 * directory. The IDENTITY layer has a hard cap: over it, the newest backup
 * within it is used and the human is alerted. End to end, a first mate whose
 * identity exceeds 128 KiB starts on a real tmux server.
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AGENT_HOOK_EVENTS } from "@first-mate/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { defaultHookCommand } from "../../src/commands/hooksCommand.js";
import { createFirstMateLauncher } from "../../src/host/firstMateLauncher.js";
import { backupIdentity, identityBackupDir, identityPath } from "../../src/host/identityFile.js";
import { createE2eWorld, E2E_TIMEOUT_MS, type E2eWorld, waitFor } from "../e2e/e2eWorld.js";

let dir = "";
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "fm-prompt-file-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const PROMPT = "# CORE\nYou are the first mate.\n";
const launcherFor = (agent: Parameters<typeof createFirstMateLauncher>[0]["agent"], prompt = () => PROMPT) =>
  createFirstMateLauncher({ agent, stateDir: dir, socketPath: join(dir, "channel.sock"), cwd: dir, prompt });
const mode = (path: string) => statSync(path).mode & 0o777;

describe("the prompt by file", () => {
  it("Claude Code gets --append-system-prompt-file and no prompt in argv; the file is 0600 in a 0700 directory", async () => {
    // A launch directory left with a looser mode is made private again.
    mkdirSync(join(dir, "launch"), { mode: 0o755 });
    chmodSync(join(dir, "launch"), 0o755);
    const launch = await launcherFor({ kind: "claude", binary: "claude", extraArgs: ["--model", "x"] }).prepare({
      attempt: 3,
      session: "bridge",
      window: "first-mate",
    });
    const argv = launch.request.argv;
    const file = argv[argv.indexOf("--append-system-prompt-file") + 1]!;
    expect(argv.slice(0, 5)).toEqual([
      "claude",
      "--mcp-config",
      expect.stringMatching(/first-mate-3\.mcp\.json$/),
      "--dangerously-load-development-channels",
      "server:first-mate",
    ]);
    expect(argv.slice(-2)).toEqual(["--model", "x"]);
    // first-mate's lifecycle hooks by construction: hook evidence confirms the channel (see promptByFile's header).
    const settings = argv[argv.indexOf("--settings") + 1]!;
    expect(settings).toMatch(/first-mate-3\.settings\.json$/);
    expect(mode(settings)).toBe(0o600);
    const hooks = JSON.parse(readFileSync(settings, "utf8")).hooks as Record<
      string,
      { hooks: { command: string }[] }[]
    >;
    for (const event of AGENT_HOOK_EVENTS) {
      const command = hooks[event]?.[0]?.hooks[0]?.command ?? "";
      expect(command, event).toBe(defaultHookCommand(join(dir, "channel.sock")));
      expect(command, event).toContain("first-mate-hook");
    }
    expect(argv).not.toContain("--append-system-prompt");
    expect(argv.some((word) => word.includes("You are the first mate"))).toBe(false);
    expect(readFileSync(file, "utf8")).toBe(PROMPT);
    expect(mode(file)).toBe(0o600);
    expect(mode(join(dir, "launch"))).toBe(0o700);
    expect(launch.request.env?.FIRST_MATE_PROMPT_FILE).toBe(file);
    // Known by construction: the pane carries the kind first-mate started there.
    expect(launch.request.agentKind).toBe("claude");
  });

  it("other agents get the prompt file's path in the environment they already receive", async () => {
    const launch = await launcherFor({ kind: "command", argv: ["my-agent"] }).prepare({
      attempt: 1,
      session: "bridge",
      window: "first-mate",
    });
    expect(launch.request.argv).toEqual(["my-agent"]);
    expect(readFileSync(launch.request.env!.FIRST_MATE_PROMPT_FILE!, "utf8")).toBe(PROMPT);
    // An unknown program declares no kind; a known one, through its wrapper, does.
    expect(launch.request.agentKind).toBeUndefined();
    const codex = await launcherFor({ kind: "command", argv: ["npx", "-y", "@openai/codex@0.169.0"] }).prepare({
      attempt: 2,
      session: "bridge",
      window: "first-mate",
    });
    expect(codex.request.agentKind).toBe("codex");
  });
});

describe("the IDENTITY hard cap", () => {
  const identity = () => ({
    path: identityPath(dir),
    backupDir: identityBackupDir(dir),
    keep: 10,
    hardCapChars: 1_000,
  });

  it("over the cap, the newest backup within it is used, the oversized file is not backed up, and an alert says so", async () => {
    writeFileSync(identityPath(dir), "I am Ada, version one.");
    await backupIdentity(identityPath(dir), identityBackupDir(dir), 10, 1, 1_000);
    writeFileSync(identityPath(dir), "I am Ada, version two.");
    await backupIdentity(identityPath(dir), identityBackupDir(dir), 10, 2, 2_000);
    writeFileSync(identityPath(dir), "x".repeat(5_000));
    const seen: (string | null | undefined)[] = [];
    const launcher = createFirstMateLauncher({
      agent: { kind: "command", argv: ["my-agent"] },
      stateDir: dir,
      socketPath: join(dir, "channel.sock"),
      cwd: dir,
      prompt: (input) => {
        seen.push(input?.identity);
        return PROMPT;
      },
      identity: identity(),
    });
    const launch = await launcher.prepare({ attempt: 3, session: "bridge", window: "first-mate" });
    expect(seen).toEqual(["I am Ada, version two."]);
    expect(launch.alerts).toEqual([
      {
        code: "identity_over_cap",
        message: expect.stringMatching(/5000 characters, over its hard cap of 1000: this start uses the newest backup/),
      },
    ]);
    // Only the two good backups: the oversized file never pushes one out.
    expect(readFileSync(identityPath(dir), "utf8")).toHaveLength(5_000);
    const { readdirSync } = await import("node:fs");
    expect(readdirSync(identityBackupDir(dir))).toHaveLength(2);
  });

  it("within the cap the file is used as it is and backed up", async () => {
    writeFileSync(identityPath(dir), "I am Ada.");
    const seen: (string | null | undefined)[] = [];
    const launch = await createFirstMateLauncher({
      agent: { kind: "command", argv: ["my-agent"] },
      stateDir: dir,
      socketPath: join(dir, "channel.sock"),
      cwd: dir,
      prompt: (input) => {
        seen.push(input?.identity);
        return PROMPT;
      },
      identity: identity(),
    }).prepare({ attempt: 1, session: "bridge", window: "first-mate" });
    expect(seen).toEqual([undefined]);
    expect(launch.alerts).toBeUndefined();
  });
});

describe("a first mate whose identity exceeds 128 KiB (end to end)", () => {
  let world: E2eWorld | null = null;
  afterEach(async () => {
    await world?.dispose();
    world = null;
  });

  /** A stand-in for the `claude` binary: records its argv and the prompt file it was given, then waits. */
  const fakeClaude = (w: E2eWorld): string => {
    const script = join(w.dir, "claude");
    writeFileSync(
      script,
      [
        "#!/bin/sh",
        `out="${w.dir}/claude-run"`,
        'printf "%s\\n" "$@" > "$out.argv"',
        'while [ $# -gt 0 ]; do if [ "$1" = "--append-system-prompt-file" ]; then wc -c < "$2" > "$out.prompt-bytes"; fi; shift; done',
        "exec sleep 600",
      ].join("\n"),
      { mode: 0o755 },
    );
    return script;
  };

  it(
    "regression: it starts, its whole prompt read from the file (the prompt no longer travels in argv)",
    async () => {
      world = await createE2eWorld();
      const w = world;
      const identity = identityPath(join(w.dir, "state"));
      mkdirSync(join(w.dir, "state"), { recursive: true });
      writeFileSync(identity, `I am the first mate.\n${"Lessons learnt, at length. ".repeat(8_000)}`);
      const { host } = await w.startHost({
        agent: { kind: "claude", binary: fakeClaude(w), extraArgs: [] },
        core: { identityHardCapChars: 400_000 },
      });
      const marker = await waitFor("a marker", () => host.runtime.status().firstMate ?? undefined);
      const bytes = await waitFor("the agent to read its prompt file", () => {
        try {
          return Number(readFileSync(join(w.dir, "claude-run.prompt-bytes"), "utf8").trim()) || undefined;
        } catch {
          return undefined;
        }
      });
      expect(bytes).toBeGreaterThan(128 * 1024);
      const argv = readFileSync(join(w.dir, "claude-run.argv"), "utf8");
      expect(argv.length).toBeLessThan(4_096);
      expect(argv).toContain("--append-system-prompt-file");
      // Alive in its pane, not a failed start.
      expect(await w.firstMateWindowPanes()).toEqual([marker.paneId]);
    },
    E2E_TIMEOUT_MS,
  );

  it(
    "over the default hard cap, the start goes on with the newest backup within it and the human is alerted",
    async () => {
      world = await createE2eWorld();
      const w = world;
      const state = join(w.dir, "state");
      mkdirSync(state, { recursive: true });
      writeFileSync(identityPath(state), "I am the first mate, briefly.");
      await backupIdentity(identityPath(state), identityBackupDir(state), 10, 1, 1_000);
      writeFileSync(identityPath(state), "y".repeat(140 * 1024));
      const { host, reports } = await w.startHost({ agent: { kind: "claude", binary: fakeClaude(w), extraArgs: [] } });
      await waitFor("a marker", () => host.runtime.status().firstMate ?? undefined);
      const alert = await waitFor("the identity alert", () =>
        reports.find(({ report }) => report.type === "alert" && report.code === "identity_over_cap"),
      );
      expect(alert.report.type === "alert" && alert.report.message).toMatch(/over its hard cap of 32000/);
      const bytes = await waitFor("the agent to read its prompt file", () => {
        try {
          return Number(readFileSync(join(w.dir, "claude-run.prompt-bytes"), "utf8").trim()) || undefined;
        } catch {
          return undefined;
        }
      });
      expect(bytes).toBeLessThan(32_000);
    },
    E2E_TIMEOUT_MS,
  );
});
