/**
 * The demo's readable timeline: one line per thing worth seeing, stamped
 * with the time since the demo began. Quiet about routine observations.
 */
import { closeSync, existsSync, openSync, readSync, statSync } from "node:fs";
import type { RuntimeReport } from "@first-mate/core/runtime";

export interface Timeline {
  note(text: string): void;
  report(report: RuntimeReport): void;
  /** Echo the stand-in first mate's journal (what it received) as it grows. */
  followJournal(path: string): void;
  flush(): void;
}

const bytes = (text: string) => Buffer.byteLength(text, "utf8");
const firstLine = (text: string) => text.split("\n")[0] ?? "";

export const createTimeline = (out: (line: string) => void, quiet: boolean): Timeline => {
  const began = Date.now();
  const stamp = () => `+${((Date.now() - began) / 1000).toFixed(3).padStart(7)}s`;
  const line = (who: string, text: string) => {
    if (!quiet) out(`${stamp()}  ${who.padEnd(11)} ${text}`);
  };
  let journalTimer: ReturnType<typeof setInterval> | null = null;
  let journalOffset = 0;
  let journalPath: string | null = null;

  const readJournal = () => {
    if (!journalPath || !existsSync(journalPath)) return;
    const size = statSync(journalPath).size;
    if (size <= journalOffset) return;
    const fd = openSync(journalPath, "r");
    const buffer = Buffer.alloc(size - journalOffset);
    readSync(fd, buffer, 0, buffer.length, journalOffset);
    closeSync(fd);
    const text = buffer.toString("utf8");
    const complete = text.lastIndexOf("\n") + 1;
    journalOffset += Buffer.byteLength(text.slice(0, complete));
    for (const raw of text.slice(0, complete).split("\n").filter(Boolean)) {
      const entry = JSON.parse(raw) as Record<string, unknown>;
      const who = `mate ${entry.pane}`;
      if (entry.type === "push")
        line(who, `⟵ received ${entry.kind} (${entry.bytes} B): ${firstLine(String(entry.content))}`);
      if (entry.type === "log_read") {
        const entries = String(entry.text)
          .split("\n")
          .filter((l) => l.trim().startsWith("#")).length;
        line(who, `read its captain's log on taking the watch: ${entries} entries`);
      }
      if (entry.type === "digest_pull") line(who, "pulled fleet_digest");
      if (entry.type === "push_dropped")
        line(who, `(channel off) a ${entry.kind} push reached its session and was dropped unseen`);
      if (entry.type === "wake_up") {
        const inbox = String(entry.inbox);
        line(
          who,
          `⟵ typed into its pane: "${entry.line}" → pulled fleet_digest and inbox (${inbox.startsWith("No interrupts") ? "no interrupts" : inbox.split("\n")[0]})`,
        );
      }
      if (entry.type === "error") line(who, `error: ${entry.message}`);
    }
  };

  const describe = (report: RuntimeReport): [string, string] | null => {
    if (report.type === "alert") return ["ALERT", `${report.level} ${report.code}: ${report.message}`];
    if (report.type === "error") return ["error", report.message];
    if (report.type === "command") {
      const command = report.command;
      if (command.type === "tmux.spawn") return ["supervisor", `spawning the first mate (attempt ${command.attempt})`];
      if (command.type === "channel.emit") {
        // The header, then the first few items, so the delta itself is visible.
        const [head = "", ...items] = command.content.split("\n");
        const shown = items.slice(0, 4).map((item) => `\n${" ".repeat(22)}${item}`);
        const more = items.length > 4 ? `\n${" ".repeat(22)}(${items.length - 4} more lines)` : "";
        return [
          command.purpose === "digest" ? "heartbeat" : "interrupt",
          `→ ${command.paneId} ${command.meta.kind} (${bytes(command.content)} B): ${head}${shown.join("")}${more}`,
        ];
      }
      if (command.type === "store.appendLog" && command.entry.author === "kit") return ["log", command.entry.text];
      if (command.type === "tmux.kill") return ["supervisor", `kill ${command.paneId}`];
      if (command.type === "tmux.sendText")
        return ["heartbeat", `→ ${command.paneId} typed wake-up: "${command.text}"`];
      return null;
    }
    const event = report.event;
    switch (event.type) {
      case "SpawnSucceeded":
        return ["supervisor", `first mate is ${event.paneId} (marker stamped)`];
      case "SpawnFailed":
        return ["supervisor", `spawn failed: ${event.reason}`];
      case "ChannelAttached":
        return event.firstMate ? ["channel", `first mate ${event.paneId} attached (pane and token verified)`] : null;
      case "ChannelDetached":
        return ["channel", `${event.paneId} detached`];
      case "NotifyReceived":
        return ["worker", `${event.paneId} notify ${event.kind}: ${event.message}`];
      case "ReportReceived":
        return ["worker", `${event.paneId} report: ${event.message}`];
      case "AgentEvidenceReceived":
        return [
          "state",
          `${event.paneId} ${event.evidence.state} via ${event.evidence.source}${event.evidence.detail ? ` (${event.evidence.detail})` : ""}`,
        ];
      case "PaneExited":
        return ["tmux", "a window closed (control mode)"];
      case "EmitFailed":
        return ["channel", `${event.emitId} not delivered (${event.reason}); kept for retry`];
      default:
        return null;
    }
  };

  return {
    note: (text) => line("demo", text),
    report(report) {
      const described = describe(report);
      if (described) line(described[0], described[1]);
    },
    followJournal(path) {
      journalPath = path;
      journalTimer = setInterval(readJournal, 100);
      journalTimer.unref();
    },
    flush() {
      readJournal();
      if (journalTimer) clearInterval(journalTimer);
      journalTimer = null;
    },
  };
};
