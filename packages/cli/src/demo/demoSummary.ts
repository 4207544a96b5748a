/**
 * The demo's closing numbers, computed from what the runtime reported and
 * what the stand-in first mate recorded.
 */
import { parseInterruptEmitId } from "@first-mate/core";
import type { RuntimeReport } from "@first-mate/core/runtime";

/**
 * The demo's closing numbers (also what `first-mate demo --json` prints): pushes and their sizes, interrupts,
 * latencies (ms, null when not measured), first-mate starts, and whether the captain's log survived the respawn.
 */
export interface DemoSummary {
  readonly digestPushes: number;
  readonly digestBytesTotal: number;
  readonly digestBytesMedian: number;
  readonly interruptsDelivered: number;
  readonly notifyNeedHuman: number;
  /** need_human notifies that became an interrupt (the rest were repeats, folded into a digest). */
  readonly notifyInterrupts: number;
  readonly interruptHostLatencyMs: number | null;
  readonly interruptEndToEndMs: number | null;
  readonly respawnLatencyMs: number | null;
  readonly reattachLatencyMs: number | null;
  readonly firstMateStarts: number;
  readonly logSurvivedRespawn: boolean;
  /** The last scene (a first mate whose channel is off): wake-ups typed into its pane… */
  readonly fallbackWakeUps: number;
  /** …and whether it answered one by pulling fleet_digest / inbox. */
  readonly fallbackPulled: boolean;
}

const median = (values: number[]): number => {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
};

/**
 * Compute the demo's summary from the runtime reports (with the time each arrived), the stand-in first mate's
 * journal, and when the demo killed the first mate. Pure.
 */
export const summarise = (
  reports: readonly { report: RuntimeReport; at: number }[],
  journal: readonly Record<string, unknown>[],
  killedAt: number | null,
): Omit<DemoSummary, "fallbackWakeUps" | "fallbackPulled"> => {
  const emitted = new Map<string, number>();
  const queuedAt = new Map<number, number>();
  const delivered = new Map<string, number>();
  let notifyNeedHuman = 0;
  const notified = new Set<string>();
  let notifyInterrupts = 0;
  let starts = 0;
  let respawnAt: number | null = null;
  let reattachAt: number | null = null;
  for (const { report } of reports) {
    if (report.type === "command") {
      const command = report.command;
      if (command.type === "channel.emit") emitted.set(command.emitId, Buffer.byteLength(command.content, "utf8"));
      if (command.type === "store.enqueueOutbox") {
        queuedAt.set(command.entry.seq, command.entry.createdAt);
        if (notified.has(`${command.entry.source} ${command.entry.message}`)) notifyInterrupts++;
      }
      if (command.type === "tmux.spawn") starts++;
    }
    if (report.type === "event") {
      const event = report.event;
      if (event.type === "EmitSucceeded") delivered.set(event.emitId, event.now);
      if (event.type === "NotifyReceived" && event.kind === "need_human") {
        notifyNeedHuman++;
        notified.add(`${event.paneId} ${event.message}`);
      }
      if (killedAt !== null && event.type === "SpawnSucceeded" && event.now >= killedAt && respawnAt === null)
        respawnAt = event.now;
      if (respawnAt !== null && event.type === "ChannelAttached" && event.firstMate && reattachAt === null)
        reattachAt = event.now;
    }
  }
  const digestSizes = [...delivered.keys()].filter((id) => id.startsWith("digest-")).map((id) => emitted.get(id) ?? 0);
  const hostLatencies: number[] = [];
  const endToEnd: number[] = [];
  // Interrupt emit ids name the first mate's attempt too; the first delivery of each entry counts.
  const deliveredBySeq = new Map<number, number>();
  for (const [emitId, at] of delivered) {
    const parsed = parseInterruptEmitId(emitId);
    if (parsed !== null && !deliveredBySeq.has(parsed.seq)) deliveredBySeq.set(parsed.seq, at);
  }
  for (const [seq, createdAt] of queuedAt) {
    const at = deliveredBySeq.get(seq);
    if (at !== undefined) hostLatencies.push(at - createdAt);
    const received = journal.find(
      (entry) => entry.type === "push" && (entry.meta as Record<string, string>)?.seq === String(seq),
    );
    if (received) endToEnd.push(Number(received.at) - createdAt);
  }
  const reads = journal.filter((entry) => entry.type === "log_read" && entry.attempt !== "1");
  return {
    digestPushes: digestSizes.length,
    digestBytesTotal: digestSizes.reduce((sum, size) => sum + size, 0),
    digestBytesMedian: median(digestSizes),
    interruptsDelivered: hostLatencies.length,
    notifyNeedHuman,
    notifyInterrupts,
    interruptHostLatencyMs: hostLatencies.length ? median(hostLatencies) : null,
    interruptEndToEndMs: endToEnd.length ? median(endToEnd) : null,
    respawnLatencyMs: killedAt !== null && respawnAt !== null ? respawnAt - killedAt : null,
    reattachLatencyMs: killedAt !== null && reattachAt !== null ? reattachAt - killedAt : null,
    firstMateStarts: starts,
    logSurvivedRespawn: reads.some((entry) => String(entry.text).includes("attempt 1 took the watch")),
  };
};

const show = (value: number | null, unit: string) => (value === null ? "n/a" : `${value} ${unit}`);

/** Print the summary as a table, or with `json` as one JSON document. */
export const printSummary = (summary: DemoSummary, out: (line: string) => void, json: boolean): void => {
  if (json) {
    out(JSON.stringify(summary));
    return;
  }
  const rows: [string, string][] = [
    ["first-mate starts", String(summary.firstMateStarts)],
    [
      "digest pushes",
      `${summary.digestPushes} (${summary.digestBytesTotal} B total, median ${summary.digestBytesMedian} B)`,
    ],
    [
      "need_human notifies → interrupts",
      `${summary.notifyNeedHuman} → ${summary.notifyInterrupts}; repeats folded into a digest: ${summary.notifyNeedHuman - summary.notifyInterrupts}`,
    ],
    ["interrupts delivered (all causes)", `${summary.interruptsDelivered} (notifies, permission prompts, CI)`],
    ["interrupt latency (notify → written)", show(summary.interruptHostLatencyMs, "ms")],
    ["interrupt latency (notify → first mate)", show(summary.interruptEndToEndMs, "ms")],
    ["respawn latency (kill → new marker)", show(summary.respawnLatencyMs, "ms")],
    ["re-attach latency (kill → attached)", show(summary.reattachLatencyMs, "ms")],
    ["captain's log survived the respawn", summary.logSurvivedRespawn ? "yes" : "no"],
    [
      "channel off: wake-ups typed, pulled",
      `${summary.fallbackWakeUps}, ${summary.fallbackPulled ? "yes (fleet_digest / inbox)" : "no"}`,
    ],
  ];
  const width = Math.max(...rows.map(([name]) => name.length));
  out("");
  out("summary");
  for (const [name, value] of rows) out(`  ${name.padEnd(width)}  ${value}`);
};
