/**
 * Shared command-line options: an optional JSON config file overlaid with
 * flags, validated into a HostConfig, with errors a person can act on.
 *
 * Guarantees: unknown keys in the file and unknown agent kinds are errors
 * that name them; `~` and `$VARIABLE` in the file's paths are expanded
 * (hostConfig.ts). Reading the configuration creates nothing.
 */
import { readFileSync } from "node:fs";
import { type HostConfig, parseHostConfig } from "../host/hostConfig.js";

/** A value or a message naming what is wrong. */
export type CliResult<T> = { ok: true; value: T } | { ok: false; message: string };

/** The flags that feed the host configuration (each command takes some of them). */
export interface HostFlags {
  readonly config?: string;
  readonly db?: string;
  readonly socket?: string;
  readonly tmuxSocketName?: string;
  readonly tmuxSocketPath?: string;
  readonly agent?: string;
}

/** The host configuration from `--config FILE` overlaid with flags. */
export const loadHostConfig = (flags: HostFlags): CliResult<HostConfig> => {
  let base: Record<string, unknown> = {};
  if (flags.config !== undefined) {
    try {
      const parsed: unknown = JSON.parse(readFileSync(flags.config, "utf8"));
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
        return { ok: false, message: `config ${flags.config}: the file must hold one JSON object` };
      base = parsed as Record<string, unknown>;
    } catch (error) {
      return {
        ok: false,
        message: `cannot read config ${flags.config}: ${error instanceof Error ? error.message : String(error)}`,
      };
    }
  }
  const merged: Record<string, unknown> = { ...base };
  if (flags.tmuxSocketName !== undefined || flags.tmuxSocketPath !== undefined) {
    const tmux = { ...((base.tmux as Record<string, unknown> | undefined) ?? {}) };
    if (flags.tmuxSocketName !== undefined) tmux.socketName = flags.tmuxSocketName;
    if (flags.tmuxSocketPath !== undefined) tmux.socketPath = flags.tmuxSocketPath;
    merged.tmux = tmux;
  }
  if (flags.db !== undefined) {
    // --db (a file or a postgres:// URL) names the store, whatever the file said.
    merged.databasePath = flags.db;
    delete merged.store;
  }
  if (flags.socket !== undefined) merged.socketPath = flags.socket;
  if (flags.agent !== undefined) merged.agent = { kind: flags.agent };
  const parsed = parseHostConfig(merged);
  const where = flags.config !== undefined ? ` (${flags.config})` : "";
  return parsed.ok
    ? { ok: true, value: parsed.config }
    : { ok: false, message: `invalid configuration${where}:\n  ${parsed.errors.join("\n  ")}` };
};
