/**
 * A stand-in worker agent for the demo and end-to-end tests. It presents
 * itself as `claude` (its process title) so the fleet digest treats it as
 * a Claude Code pane, connects through the real shim, and follows a script
 * from FIRST_MATE_WORKER_SCRIPT: timed steps that set the pane title (its
 * status), print output (activity), call `notify`, and run the real hook
 * command with a lifecycle payload (as Claude Code would), so the demo shows
 * hook-driven agent state.
 */
import { spawn } from "node:child_process";
import { z } from "zod";
import { nodeScriptArgv } from "../host/nodeScript.js";
import { connectThroughShim } from "./channelClient.js";

process.title = "claude";

const StepSchema = z.object({
  atMs: z.number().int().nonnegative(),
  title: z.string().optional(),
  output: z.string().optional(),
  notify: z.object({ kind: z.enum(["info", "done", "need_human"]), message: z.string() }).optional(),
  /** A lifecycle hook payload (e.g. `{hook_event_name: "Stop"}`), piped to first-mate-hook. */
  hook: z.looseObject({ hook_event_name: z.string() }).optional(),
});
export const WorkerScriptSchema = z.array(StepSchema);
export type WorkerScript = z.infer<typeof WorkerScriptSchema>;

const setTitle = (title: string) => process.stdout.write(`\u001b]2;${title}\u001b\\`);

/** Run the hook command as the agent would: payload on stdin, this pane's environment (TMUX_PANE). */
const runHook = (payload: Record<string, unknown>): Promise<number | null> =>
  new Promise((resolve) => {
    const [command, ...args] = nodeScriptArgv("driver-mcp", "hook/bin");
    const child = spawn(command!, args, { stdio: ["pipe", "ignore", "ignore"] });
    child.once("error", () => resolve(null));
    child.once("exit", (code) => resolve(code));
    child.stdin.on("error", () => undefined);
    child.stdin.end(JSON.stringify({ session_id: "stand-in", cwd: process.cwd(), ...payload }));
  });

const main = async () => {
  const script = WorkerScriptSchema.parse(JSON.parse(process.env.FIRST_MATE_WORKER_SCRIPT ?? "[]"));
  const client = await connectThroughShim("stand-in-worker", () => {});
  const started = Date.now();
  for (const step of script) {
    const wait = started + step.atMs - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    if (step.title !== undefined) setTitle(step.title);
    if (step.output !== undefined) process.stdout.write(`${step.output}\n`);
    if (step.hook) {
      const code = await runHook(step.hook);
      process.stdout.write(`hook ${step.hook.hook_event_name} → exit ${code}\n`);
    }
    if (step.notify) {
      const result = await client.call("notify", step.notify);
      process.stdout.write(`notify → ${result.text}\n`);
    }
  }
};

main().catch((error: unknown) => process.stderr.write(`stand-in worker: ${String(error)}\n`));
setInterval(() => {}, 60_000);
