/**
 * Authority bench: the cost of `authorize` (allowed, proposed and denied
 * paths, with the default prohibitions) and of assembling the layered
 * prompt. Run: node --conditions=@first-mate/source --import tsx bench/authority.bench.ts
 */
import {
  type AuthorityAction,
  assembleLayeredPrompt,
  authorize,
  DEFAULT_BUDGET_POLICY,
  DEFAULT_CORE_PROMPT,
  DEFAULT_PROHIBITIONS,
  type PaneId,
} from "../src/index.js";

const time = (label: string, iterations: number, body: (i: number) => unknown): [string, string, string] => {
  for (let i = 0; i < Math.min(1000, iterations); i++) body(i);
  const started = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) body(i);
  const ns = Number(process.hrtime.bigint() - started) / iterations;
  return [label, `${(ns / 1000).toFixed(2)} µs`, `${Math.round(1e9 / ns).toLocaleString("en")} /s`];
};

const context = {
  now: 1_000,
  conn: {
    holder: "first_mate" as const,
    since: 0,
    expiresAt: 10_000,
    scope: { actions: ["spawn_worker" as const, "assign_task" as const], targets: ["relief-*", "%5"] },
    escalation: "ask",
    firstMateAttempt: 1,
  },
  usage: { percent: 40, resetsAt: null },
  budget: DEFAULT_BUDGET_POLICY,
  prohibitions: DEFAULT_PROHIBITIONS,
  firstMatePaneId: "%1" as PaneId,
};
const task = "refactor the session module, run the tests and open a PR when green; ".repeat(8);
const allowed: AuthorityAction = {
  kind: "assign_task",
  target: { paneId: "%5" as PaneId, name: "api" },
  args: { task },
};
const outOfScope: AuthorityAction = { kind: "terminate", target: { paneId: "%6" as PaneId }, args: {} };
const denied: AuthorityAction = {
  kind: "assign_task",
  target: { paneId: "%5" as PaneId },
  args: { task: `${task} git push --force` },
};
const identity = "I keep the fleet small and the PRs smaller.\n".repeat(150);

const rows = [
  time("authorize: allowed (all prohibitions checked, 560-char task)", 200_000, () => authorize(allowed, context)),
  time("authorize: out of scope → propose", 200_000, () => authorize(outOfScope, context)),
  time("authorize: force-push → deny", 200_000, () => authorize(denied, context)),
  time("assembleLayeredPrompt (5 ROLE-EXT, 6.5 KB identity)", 20_000, () =>
    assembleLayeredPrompt({
      core: DEFAULT_CORE_PROMPT,
      roleExtensions: [1, 2, 3, 4, 5].map((id) => ({ id, text: `extension ${id}` })),
      identity,
      identityPath: "/state/identity.md",
      identityCapChars: 8000,
    }),
  ),
];
const width = Math.max(...rows.map((row) => row[0].length));
console.log(`${"operation".padEnd(width)}  per call   rate`);
for (const [label, per, rate] of rows) console.log(`${label.padEnd(width)}  ${per.padStart(8)}  ${rate}`);
