/**
 * Shared command-line options: parse flags and an optional JSON config file
 * into a validated HostConfig, with errors a person can act on.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { type HostConfig, parseHostConfig } from "../host/hostConfig.js";

export const COMMON_OPTIONS = {
  config: { type: "string" },
  db: { type: "string" },
  socket: { type: "string" },
  "tmux-socket-name": { type: "string", short: "L" },
  "tmux-socket-path": { type: "string", short: "S" },
  agent: { type: "string" },
  json: { type: "boolean", default: false },
  help: { type: "boolean", short: "h", default: false },
} as const;

export type CliResult<T> = { ok: true; value: T } | { ok: false; message: string };

export const parseCli = (
  argv: string[],
  extra: Record<string, { type: "string" | "boolean"; short?: string }> = {},
) => {
  try {
    const parsed = parseArgs({
      args: argv,
      options: { ...COMMON_OPTIONS, ...extra },
      allowPositionals: true,
      strict: true,
    });
    return {
      ok: true as const,
      values: parsed.values as Record<string, string | boolean | undefined>,
      positionals: parsed.positionals,
    };
  } catch (error) {
    return { ok: false as const, message: error instanceof Error ? error.message : String(error) };
  }
};

/** The host configuration from `--config FILE` overlaid with flags. */
export const loadHostConfig = (values: Record<string, string | boolean | undefined>): CliResult<HostConfig> => {
  let base: Record<string, unknown> = {};
  if (typeof values.config === "string") {
    try {
      base = JSON.parse(readFileSync(values.config, "utf8")) as Record<string, unknown>;
    } catch (error) {
      return {
        ok: false,
        message: `cannot read config ${values.config}: ${error instanceof Error ? error.message : String(error)}`,
      };
    }
  }
  const tmux = { ...((base.tmux as Record<string, unknown>) ?? {}) };
  if (typeof values["tmux-socket-name"] === "string") tmux.socketName = values["tmux-socket-name"];
  if (typeof values["tmux-socket-path"] === "string") tmux.socketPath = values["tmux-socket-path"];
  const merged: Record<string, unknown> = { ...base, tmux };
  if (typeof values.db === "string") merged.databasePath = values.db;
  if (typeof values.socket === "string") merged.socketPath = values.socket;
  if (values.agent === "claude" || values.agent === "stand-in") merged.agent = { kind: values.agent };
  else if (typeof values.agent === "string")
    return { ok: false, message: `--agent must be claude or stand-in, not ${values.agent}` };
  const parsed = parseHostConfig(merged);
  return parsed.ok
    ? { ok: true, value: parsed.config }
    : { ok: false, message: `invalid configuration:\n  ${parsed.errors.join("\n  ")}` };
};
