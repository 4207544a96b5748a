/**
 * A stand-in worker agent for the demo and end-to-end tests. It presents
 * itself as `claude` (its process title) so the fleet digest treats it as
 * a Claude Code pane, connects through the real shim, and follows a script
 * from FIRST_MATE_WORKER_SCRIPT: timed steps that set the pane title (its
 * status), print output (activity), and call `notify`.
 */
import { z } from "zod";
import { connectThroughShim } from "./channelClient.js";

process.title = "claude";

const StepSchema = z.object({
  atMs: z.number().int().nonnegative(),
  title: z.string().optional(),
  output: z.string().optional(),
  notify: z.object({ kind: z.enum(["info", "done", "need_human"]), message: z.string() }).optional(),
});
export const WorkerScriptSchema = z.array(StepSchema);
export type WorkerScript = z.infer<typeof WorkerScriptSchema>;

const setTitle = (title: string) => process.stdout.write(`\u001b]2;${title}\u001b\\`);

const main = async () => {
  const script = WorkerScriptSchema.parse(JSON.parse(process.env.FIRST_MATE_WORKER_SCRIPT ?? "[]"));
  const client = await connectThroughShim("stand-in-worker", () => {});
  const started = Date.now();
  for (const step of script) {
    const wait = started + step.atMs - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    if (step.title !== undefined) setTitle(step.title);
    if (step.output !== undefined) process.stdout.write(`${step.output}\n`);
    if (step.notify) {
      const result = await client.call("notify", step.notify);
      process.stdout.write(`notify → ${result.text}\n`);
    }
  }
};

main().catch((error: unknown) => process.stderr.write(`stand-in worker: ${String(error)}\n`));
setInterval(() => {}, 60_000);
