/**
 * `first-mate run`: supervise the fleet until interrupted. Prints readable
 * progress lines, or JSON lines with --json.
 */
import type { RuntimeReport } from "@first-mate/core/runtime";
import * as E from "fp-ts/lib/Either.js";
import type { HostConfig } from "../host/hostConfig.js";
import { startHost } from "../host/startHost.js";

type Out = (line: string) => void;

const describeReport = (report: RuntimeReport): string | null => {
  if (report.type === "alert") return `ALERT ${report.level} ${report.code}: ${report.message}`;
  if (report.type === "error") return `error: ${report.message}`;
  if (report.type === "command") {
    const command = report.command;
    if (command.type === "tmux.spawn") return `spawning the first mate (attempt ${command.attempt})`;
    if (command.type === "channel.emit")
      return `push ${command.meta.kind} → ${command.paneId} (${Buffer.byteLength(command.content)} B)`;
    if (command.type === "store.appendLog" && command.entry.author === "kit") return `log: ${command.entry.text}`;
    return null;
  }
  const event = report.event;
  if (event.type === "NotifyReceived") return `${event.paneId} ${event.kind}: ${event.message}`;
  if (event.type === "ChannelAttached" && event.firstMate) return `first mate ${event.paneId} attached`;
  if (event.type === "LeaseRenewed" && !event.held) return "another first-mate process holds the lease; standing by";
  return null;
};

export const runCommand = async (config: HostConfig, json: boolean, out: Out): Promise<number> => {
  // Subscribed through startHost: the first lease, observation and spawn come before it returns.
  const onReport = (report: RuntimeReport) => {
    if (json) {
      out(JSON.stringify(report));
      return;
    }
    const text = describeReport(report);
    if (text) out(`${new Date(report.at).toISOString()} ${text}`);
  };
  const started = await startHost({ config, onReport });
  if (E.isLeft(started)) {
    out(`first-mate: ${started.left.message}`);
    return 1;
  }
  const host = started.right;
  if (json) {
    out(JSON.stringify({ type: "started", socketPath: host.socketPath, embedderTokenPath: host.embedderTokenPath }));
  } else {
    out(`first-mate running (channel socket ${host.socketPath}); Ctrl-C to stop`);
    out(`embedder token: ${host.embedderTokenPath} (orchestrators connect with role "embedder"; see examples/embed)`);
  }
  await new Promise<void>((resolve) => {
    process.once("SIGINT", () => resolve());
    process.once("SIGTERM", () => resolve());
  });
  await host.stop();
  if (!json) out("first-mate stopped");
  return 0;
};
