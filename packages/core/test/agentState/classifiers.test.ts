/**
 * The fallbacks and the hook mapping, pinned by recorded inputs: screens per
 * agent kind and state (screens/<kind>.<state>[.<variant>].txt; state
 * `none` means the screen must say nothing), pane titles, hook payloads.
 * Then the state in the digest: diverge, render and the nudge policy.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { applyScreenCapture, observeAgentStates } from "../../src/decisions/agentStates.js";
import { classifyScreen } from "../../src/decisions/classifyScreen.js";
import { classifyTitle } from "../../src/decisions/classifyTitle.js";
import { diverge } from "../../src/decisions/diverge.js";
import { hookEvidence } from "../../src/decisions/hookEvidence.js";
import { renderDelta } from "../../src/decisions/renderDelta.js";
import { decideNudge } from "../../src/decisions/toolPolicy.js";
import { AgentHookPayloadSchema } from "../../src/domain/agentHookPayload.js";
import type { AgentKind } from "../../src/domain/agentKind.js";
import { DEFAULT_CONFIG } from "../../src/index.js";
import { cheapExpect } from "../cheapExpect.js";
import { digestOf, observation, paneRow, pid, T0, THRESHOLDS } from "../support.js";

const SCREENS = join(dirname(fileURLToPath(import.meta.url)), "screens");

describe("classifyScreen on recorded screens", () => {
  const files = readdirSync(SCREENS).filter((name) => name.endsWith(".txt"));

  it("has a recorded screen for every state of every kind it knows", () => {
    for (const kind of ["claude", "codex", "gemini", "aider"]) {
      for (const state of ["busy", "waiting_permission", "idle"]) {
        expect(files.some((name) => name.startsWith(`${kind}.${state}`))).toBe(true);
      }
    }
  });

  for (const file of files) {
    const [kind, expected] = file.split(".") as [AgentKind, string];
    it(`${file} → ${expected}`, () => {
      const result = classifyScreen(kind, readFileSync(join(SCREENS, file), "utf8"));
      expect(result?.state ?? "none").toBe(expected);
    });
  }

  it("scrollback never decides: a permission dialog far above the bottom does not count", () => {
    const dialog = readFileSync(join(SCREENS, "claude.waiting_permission.txt"), "utf8");
    const idle = readFileSync(join(SCREENS, "claude.idle.txt"), "utf8");
    const filler = Array.from({ length: 30 }, (_, index) => `  line ${index} of later output`).join("\n");
    expect(classifyScreen("claude", `${dialog}\n${filler}\n${idle}`)?.state).toBe("idle");
  });

  it("an agent kind without rules, or random text, says nothing rather than guess", () => {
    expect(classifyScreen("goose", readFileSync(join(SCREENS, "claude.busy.txt"), "utf8"))).toBeNull();
    fc.assert(
      fc.property(
        fc.string({ maxLength: 200 }).filter((text) => !/[>?]|esc|Work|Wait|send|Type/.test(text)),
        (text) => {
          cheapExpect(classifyScreen("claude", text)).toBeNull();
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe("classifyTitle", () => {
  it("only a spinning Claude Code title says busy", () => {
    expect(classifyTitle("claude", "⠐ Adding retry to payments client")).toBe("busy");
    expect(classifyTitle("claude", "✳ Adding retry to payments client")).toBeNull();
    expect(classifyTitle("claude", "api work")).toBeNull();
    expect(classifyTitle("codex", "⠐ anything")).toBeNull();
  });
});

describe("hookEvidence", () => {
  const at = T0;
  const of = (payload: Record<string, unknown>) => hookEvidence(AgentHookPayloadSchema.parse(payload), at);

  it("maps each lifecycle event to its state, from the hook, with a detail", () => {
    expect(of({ hook_event_name: "SessionStart", source: "startup" })).toEqual({
      source: "hook",
      state: "idle",
      at,
      detail: "SessionStart startup",
      sessionStart: true,
    });
    expect(of({ hook_event_name: "UserPromptSubmit", prompt: "go" })?.state).toBe("busy");
    expect(of({ hook_event_name: "PreToolUse", tool_name: "Bash" })).toMatchObject({
      state: "busy",
      detail: "PreToolUse Bash",
    });
    expect(of({ hook_event_name: "PostToolUse", tool_name: "Edit" })?.state).toBe("busy");
    expect(of({ hook_event_name: "Stop", stop_hook_active: false })?.state).toBe("idle");
    expect(of({ hook_event_name: "SessionEnd", reason: "logout" })).toMatchObject({
      state: "ended",
      detail: "SessionEnd logout",
    });
  });

  it("reads Notification by its type, falling back to the message, and ignores the rest", () => {
    expect(
      of({
        hook_event_name: "Notification",
        notification_type: "permission_prompt",
        message: "Claude needs your permission to use Bash",
      }),
    ).toMatchObject({
      state: "waiting_permission",
      detail: "Notification permission_prompt: Claude needs your permission to use Bash",
    });
    expect(of({ hook_event_name: "Notification", notification_type: "idle_prompt" })?.state).toBe("waiting_input");
    expect(of({ hook_event_name: "Notification", notification_type: "auth_success" })).toBeNull();
    expect(of({ hook_event_name: "Notification", message: "Claude needs your permission to use Edit" })?.state).toBe(
      "waiting_permission",
    );
    expect(of({ hook_event_name: "Notification", message: "Claude is waiting for your input" })?.state).toBe(
      "waiting_input",
    );
    expect(of({ hook_event_name: "PreCompact", trigger: "auto" })).toBeNull();
  });

  it("the payload schema refuses what it cannot read safely", () => {
    expect(AgentHookPayloadSchema.safeParse({}).success).toBe(false);
    expect(AgentHookPayloadSchema.safeParse({ hook_event_name: "Stop; rm" }).success).toBe(false);
    expect(AgentHookPayloadSchema.safeParse({ hook_event_name: "Stop", message: 3 }).success).toBe(false);
    expect(AgentHookPayloadSchema.safeParse({ hook_event_name: "Stop", future_field: [1] }).success).toBe(true);
  });
});

describe("the screen fallback in the fleet", () => {
  const config = DEFAULT_CONFIG;

  it("captures only agent panes without fresh evidence, at most N per observation, longest-waiting first", () => {
    const panes = Array.from({ length: 20 }, (_, index) => observation(index + 1, { title: "work" }));
    panes.push(observation(21, { command: "bash" }));
    const first = observeAgentStates({}, panes, T0, config, pid(2));
    const captured = first.commands.map((command) => (command.type === "tmux.capture" ? command.paneId : null));
    expect(captured).toHaveLength(config.screenCapturesPerTick);
    expect(captured).not.toContain(pid(2));
    expect(captured).not.toContain(pid(21));
    // The next observation soon after asks for the others, not the same ones again.
    const second = observeAgentStates(first.agents, panes, T0 + 30_000, config, pid(2));
    const again = second.commands.map((command) => (command.type === "tmux.capture" ? command.paneId : null));
    for (const paneId of again) expect(captured).not.toContain(paneId);
  });

  it("a captured screen decides when nothing fresher exists; a quiet screen withdraws it", () => {
    const { agents } = observeAgentStates({}, [observation(1)], T0, config, null);
    const waiting = applyScreenCapture(
      agents,
      pid(1),
      readFileSync(join(SCREENS, "claude.waiting_permission.txt"), "utf8"),
      T0 + 100,
      config,
    );
    expect(waiting.agents[pid(1)]!.resolved).toMatchObject({ state: "waiting_permission", source: "screen" });
    expect(waiting.raised).toHaveLength(1);
    const quiet = applyScreenCapture(waiting.agents, pid(1), "$ ", T0 + 200, config);
    expect(quiet.agents[pid(1)]!.resolved.state).toBe("unknown");
  });
});

describe("agent state in the digest", () => {
  it("a state change is material, and waiting_permission renders with blocked at the top", () => {
    const prev = digestOf([paneRow(1, { state: "busy", stateSource: "hook", stateAt: T0 }), paneRow(2)]);
    const cur = digestOf([
      paneRow(1, { state: "waiting_permission", stateSource: "hook", stateAt: T0 + 1, blocked: true }),
      paneRow(2, { status: "writing docs" }),
    ]);
    const changes = diverge(prev, cur, THRESHOLDS);
    expect(changes.map((change) => change.type)).toEqual(["blocked", "state", "status"]);
    const text = renderDelta(changes, cur, { capBytes: 4096 });
    const lines = text.split("\n");
    expect(lines[1]).toContain("BLOCKED %1");
    expect(lines[2]).toBe("- PERMISSION %1 w1 (claude) busy → waiting_permission via hook");
    expect(text.indexOf("PERMISSION")).toBeLessThan(text.indexOf("writing docs"));
    expect(renderDelta([{ type: "first_sight" }], cur, { capBytes: 4096 })).toContain(
      "idle 0s · waiting_permission via hook",
    );
  });

  it("a known state replaces activity-based idle; unknown falls back to it", () => {
    const idleFor = (idleS: number, state?: "busy" | "idle" | "unknown") =>
      digestOf([paneRow(1, { idleS, ...(state ? { state, stateSource: state === "unknown" ? null : "hook" } : {}) })]);
    // A busy pane silent past the idle threshold is told once, as silent while busy (not as idle).
    expect(diverge(idleFor(0, "busy"), idleFor(400, "busy"), THRESHOLDS).map((change) => change.type)).toEqual([
      "silent_busy",
    ]);
    expect(diverge(idleFor(400, "busy"), idleFor(800, "busy"), THRESHOLDS)).toEqual([]);
    expect(diverge(idleFor(0, "busy"), idleFor(0, "idle"), THRESHOLDS).map((change) => change.type)).toEqual(["state"]);
    expect(diverge(idleFor(0, "unknown"), idleFor(400, "unknown"), THRESHOLDS).map((change) => change.type)).toEqual([
      "idle_entered",
    ]);
    expect(diverge(idleFor(0), idleFor(400), THRESHOLDS).map((change) => change.type)).toEqual(["idle_entered"]);
  });

  it("nudge: clearly idle comes from the state; activity only when the state is unknown", () => {
    const THRESHOLD = 300_000;
    const with_ = (state: "busy" | "idle" | "waiting_input" | "unknown" | "ended", idleS: number) =>
      digestOf([paneRow(1, { state, stateSource: state === "unknown" ? null : "hook", idleS })]);
    expect(decideNudge(with_("idle", 0), null, "%1", THRESHOLD)).toEqual({ allowed: true });
    expect(decideNudge(with_("waiting_input", 0), null, "%1", THRESHOLD)).toEqual({ allowed: true });
    expect(decideNudge(with_("busy", 10_000), null, "%1", THRESHOLD)).toEqual({
      allowed: false,
      reason: "%1 is not clearly idle (busy via hook)",
    });
    expect(decideNudge(with_("ended", 10_000), null, "%1", THRESHOLD).allowed).toBe(false);
    expect(decideNudge(with_("unknown", 400), null, "%1", THRESHOLD)).toEqual({ allowed: true });
    expect(decideNudge(with_("unknown", 10), null, "%1", THRESHOLD).allowed).toBe(false);
  });
});
