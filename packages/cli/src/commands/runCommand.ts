/**
 * `first-mate run`: supervise the fleet until interrupted. Prints readable
 * progress lines, or with `--json` one {@link RunLineJson} per line.
 *
 * The stream is a translation of the runtime's reports into the stable
 * vocabulary of jsonContract.ts, never the reports themselves: those carry
 * internal events (with token hashes) whose shape may change.
 */
import type { RuntimeReport } from "@first-mate/core/runtime";
import * as E from "fp-ts/lib/Either.js";
import type { HostConfig } from "../host/hostConfig.js";
import { startHost } from "../host/startHost.js";
import type { RunLineJson } from "./jsonContract.js";

type Out = (line: string) => void;

/** The `run` line a runtime report stands for, or null for the routine ones nobody watches. */
export const toRunLine = (report: RuntimeReport): RunLineJson | null => {
  const at = report.at;
  if (report.type === "alert")
    return { type: "alert", at, level: report.level, code: report.code, message: report.message };
  if (report.type === "error") return { type: "error", at, message: report.message };
  if (report.type === "command") {
    const command = report.command;
    if (command.type === "tmux.spawn") return { type: "spawning", at, attempt: command.attempt };
    if (command.type === "channel.emit")
      return {
        type: "push",
        at,
        pane: command.paneId,
        kind: command.meta.kind ?? "push",
        bytes: Buffer.byteLength(command.content),
      };
    if (command.type === "store.appendLog" && command.entry.author === "kit")
      return { type: "log", at, text: command.entry.text };
    return null;
  }
  const event = report.event;
  if (event.type === "NotifyReceived")
    return { type: "notify", at, pane: event.paneId, kind: event.kind, message: event.message };
  if (event.type === "ChannelAttached" && event.firstMate) return { type: "attached", at, pane: event.paneId };
  if (event.type === "LeaseRenewed" && !event.held) return { type: "standby", at };
  return null;
};

/** A `run` line as a person reads it. */
export const describeRunLine = (line: RunLineJson): string => {
  switch (line.type) {
    case "started":
      return `first-mate running (channel socket ${line.socketPath}); Ctrl-C to stop\nembedder token: ${line.embedderTokenPath} (orchestrators connect with role "embedder"; see docs/embedding.md)`;
    case "spawning":
      return `spawning the first mate (attempt ${line.attempt})`;
    case "attached":
      return `first mate ${line.pane} attached`;
    case "push":
      return `push ${line.kind} → ${line.pane} (${line.bytes} B)`;
    case "notify":
      return `${line.pane} ${line.kind}: ${line.message}`;
    case "alert":
      return `ALERT ${line.level} ${line.code}: ${line.message}`;
    case "log":
      return `log: ${line.text}`;
    case "standby":
      return "another first-mate process holds the lease; standing by";
    case "error":
      return `error: ${line.message}`;
    case "stopped":
      return "first-mate stopped";
  }
};

/** Run the host until SIGINT or SIGTERM; returns the exit code. */
export const runCommand = async (config: HostConfig, json: boolean, out: Out): Promise<number> => {
  const print = (line: RunLineJson) => {
    if (json) out(JSON.stringify(line));
    else if (line.type === "started" || line.type === "stopped") out(describeRunLine(line));
    else out(`${new Date(line.at).toISOString()} ${describeRunLine(line)}`);
  };
  // Subscribed through startHost: the first lease, observation and spawn come before it returns.
  const onReport = (report: RuntimeReport) => {
    const line = toRunLine(report);
    if (line) print(line);
  };
  const started = await startHost({ config, onReport });
  if (E.isLeft(started)) {
    // With --json every line is a RunLineJson, a failed start too: a reader parses each line.
    if (json) print({ type: "error", at: Date.now(), message: started.left.message });
    else out(`first-mate: ${started.left.message}`);
    return 1;
  }
  const host = started.right;
  print({ type: "started", at: Date.now(), socketPath: host.socketPath, embedderTokenPath: host.embedderTokenPath });
  await new Promise<void>((resolve) => {
    process.once("SIGINT", () => resolve());
    process.once("SIGTERM", () => resolve());
  });
  await host.stop();
  print({ type: "stopped", at: Date.now() });
  return 0;
};
