/**
 * The stand-in first mate: a small program that plays the first mate's part
 * through the real shim, for the demo and end-to-end tests. It prints every
 * push it receives, reads its captain's log on start (proving the log
 * survives a respawn), notes interrupts in the log, and records everything
 * as JSON lines in FIRST_MATE_STAND_IN_LOG when set.
 *
 * It answers each push by naming it (`inbox {ack}`), as the instructions
 * ask, so first-mate knows its channel works. With
 * FIRST_MATE_STAND_IN_CHANNEL=ignore it plays an agent whose channel is
 * silently off: it drops every push, and answers the one-line wake-ups
 * typed into its pane by pulling `fleet_digest` and `inbox`.
 */
import { appendFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { type ChannelPush, connectThroughShim } from "./channelClient.js";

const journal = process.env.FIRST_MATE_STAND_IN_LOG;
const pane = process.env.TMUX_PANE ?? "?";
const attempt = process.env.FIRST_MATE_ATTEMPT ?? "?";
const ignoresChannel = process.env.FIRST_MATE_STAND_IN_CHANNEL === "ignore";

const record = (entry: Record<string, unknown>) => {
  const line = { at: Date.now(), pane, attempt, ...entry };
  if (journal) appendFileSync(journal, `${JSON.stringify(line)}\n`);
};

const stamp = () => new Date().toISOString().slice(11, 23);

let client: Awaited<ReturnType<typeof connectThroughShim>> | null = null;
let usedConn = false;

/**
 * A tool call that failed because the host went away mid-call (killed, or
 * handing over to a standby) is noted, never left as an unhandled rejection:
 * that would end the process, and with it the pane the supervisor watches.
 */
const failed = (tool: string) => (error: unknown) =>
  record({ type: "call_failed", tool, message: error instanceof Error ? error.message : String(error) });

const onPush = (push: ChannelPush) => {
  const kind = push.meta?.kind ?? "push";
  if (ignoresChannel) {
    record({ type: "push_dropped", kind, meta: push.meta ?? {} });
    return;
  }
  process.stdout.write(`${stamp()} ⟵ ${kind}\n${push.content}\n\n`);
  record({ type: "push", kind, meta: push.meta ?? {}, bytes: Buffer.byteLength(push.content), content: push.content });
  if (kind === "conn" && push.meta?.holder === "first_mate" && client && !usedConn) {
    // Holding the conn: use it once, within its scope, as a first mate would for relief.
    usedConn = true;
    void client
      .call("spawn_worker", { name: `relief-${attempt}`, task: "look into the flaky test on main" })
      .then((result) => record({ type: "conn_action", tool: "spawn_worker", ...result }), failed("spawn_worker"));
  }
  const ack = push.meta?.push;
  if (ack && client) {
    // Name the push, so first-mate knows its channel reaches this first mate.
    void client.call("inbox", { ack }).then((result) => record({ type: "ack", ack, ...result }), failed("inbox"));
  }
  if (kind === "interrupt" && client) {
    const text = `interrupt #${push.meta?.seq}: ${push.content}`.slice(0, 2000);
    void client
      .call("captains_log_append", { kind: "watch", text })
      .then((result) => record({ type: "log_append", ...result }), failed("captains_log_append"));
  }
};

const main = async () => {
  client = await connectThroughShim("stand-in-first-mate", onPush);
  const log = await client.call("captains_log_read", { limit: 20 });
  process.stdout.write(`${stamp()} captain's log on watch (attempt ${attempt}):\n${log.text}\n\n`);
  record({ type: "log_read", text: log.text, isError: log.isError });
  const appended = await client.call("captains_log_append", {
    kind: "narrative",
    text: `first mate attempt ${attempt} took the watch in ${pane}`,
  });
  record({ type: "log_append", ...appended });
  // Like a real agent whose channel is off, it then sits idle until something is typed into its pane.
  if (ignoresChannel) return;
  const digest = await client.call("fleet_digest", {});
  process.stdout.write(`${stamp()} fleet_digest:\n${digest.text}\n\n`);
  record({ type: "digest_pull", text: digest.text, isError: digest.isError });
};

/** A wake-up typed into the pane (channel off): pull the picture and the waiting interrupts. */
const onWakeUp = async (line: string) => {
  if (!client || !/call fleet_digest \/ inbox/.test(line)) return;
  process.stdout.write(`${stamp()} ⟵ wake-up typed into this pane: ${line.trim()}\n`);
  const digest = await client.call("fleet_digest", {});
  const inbox = await client.call("inbox", {});
  process.stdout.write(`${stamp()} fleet_digest:\n${digest.text}\n${stamp()} inbox:\n${inbox.text}\n\n`);
  record({ type: "wake_up", line: line.trim(), digest: digest.text, inbox: inbox.text });
};

if (ignoresChannel) {
  createInterface({ input: process.stdin }).on("line", (line) => void onWakeUp(line).catch(failed("wake-up pull")));
}

main().catch((error: unknown) => {
  record({ type: "error", message: error instanceof Error ? error.message : String(error) });
  process.stderr.write(`stand-in first mate: ${String(error)}\n`);
});
// Stay on watch until the pane is killed.
setInterval(() => {}, 60_000);
