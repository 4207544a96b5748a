/**
 * The demo's fleet: stand-in workers with timed scripts, and the compressed
 * timings that let a minute show what takes an hour in real use.
 */
import type { CoreConfigInput } from "@first-mate/core";
import type { WorkerScript } from "../standIn/standInWorker.js";

/** The design's defaults (docs/design.md) scaled down so every behaviour shows within a minute. */
export const DEMO_TIMINGS: CoreConfigInput = {
  tickMs: 1_000,
  pushIntervalMs: 4_000,
  idleThresholdMs: 10_000,
  minUptimeMs: 3_000,
  dedupeWindowMs: 10_000,
  leaseTtlMs: 5_000,
};

export interface DemoWorker {
  readonly window: string;
  readonly script: WorkerScript;
}

export const DEMO_WORKERS: readonly DemoWorker[] = [
  {
    window: "api",
    script: [
      { atMs: 300, title: "refactoring the auth module", output: "editing src/auth/session.ts" },
      { atMs: 400, hook: { hook_event_name: "UserPromptSubmit", prompt: "refactor the auth module" } },
      { atMs: 7_000, title: "running the test suite", output: "npm test" },
      // Lifecycle hooks, as Claude Code sends them: the pane is blocked without the worker calling notify.
      {
        atMs: 8_000,
        hook: {
          hook_event_name: "Notification",
          notification_type: "permission_prompt",
          message: "Claude needs your permission to use Bash",
        },
      },
      { atMs: 12_000, hook: { hook_event_name: "PostToolUse", tool_name: "Bash" } },
      { atMs: 15_000, title: "tests green; opening PR #42", output: "gh pr create" },
      { atMs: 16_000, hook: { hook_event_name: "Stop", stop_hook_active: false } },
    ],
  },
  {
    window: "web",
    script: [
      { atMs: 300, title: "building the landing page", output: "vite build" },
      { atMs: 5_000, notify: { kind: "need_human", message: "May I add react-query as a dependency?" } },
      { atMs: 6_000, notify: { kind: "need_human", message: "May I add react-query as a dependency?" } },
    ],
  },
  {
    window: "docs",
    script: [{ atMs: 300, title: "writing the API guide", output: "docs/api.md" }],
  },
  {
    window: "db",
    script: [
      { atMs: 300, title: "planning the schema migration", output: "psql -f plan.sql" },
      { atMs: 11_000, title: "migration applied to staging", output: "done" },
    ],
  },
];
