/**
 * The host's configuration: where things live and which agent plays the
 * first mate. Validated with zod; every field has a working default, so an
 * empty object runs first-mate against the default tmux server.
 */
import { homedir } from "node:os";
import { join } from "node:path";
import { CoreConfigSchema } from "@first-mate/core";
import { z } from "zod";

export const AgentChoiceSchema = z.discriminatedUnion("kind", [
  /** Real Claude Code with the first-mate channel loaded. */
  z.object({
    kind: z.literal("claude"),
    binary: z.string().min(1).default("claude"),
    extraArgs: z.array(z.string()).default([]),
  }),
  /** The stand-in first mate shipped with first-mate (for demos and tests). */
  z.object({ kind: z.literal("stand-in"), logFile: z.string().optional() }),
  /** Any command; it receives FIRST_MATE_* variables in its environment. */
  z.object({ kind: z.literal("command"), argv: z.array(z.string()).min(1) }),
]);
export type AgentChoice = z.infer<typeof AgentChoiceSchema>;

const stateDir = (): string => join(process.env.XDG_STATE_HOME || join(homedir(), ".local", "state"), "first-mate");

export const HostConfigSchema = z.object({
  tmux: z
    .object({
      socketName: z.string().min(1).optional(),
      socketPath: z.string().min(1).optional(),
      binary: z.string().min(1).optional(),
    })
    .default({}),
  /** SQLite file; default under $XDG_CONFIG_HOME/first-mate. */
  databasePath: z.string().min(1).optional(),
  /**
   * SQLite durability. NORMAL (WAL): an acknowledged write survives the
   * process being killed (SPEC §9), at ~0.1 ms a write. FULL also survives
   * a power cut, at one fsync (~3–7 ms here) per write — on the interrupt path.
   */
  databaseSync: z.enum(["NORMAL", "FULL"]).default("NORMAL"),
  /** Channel socket; default $XDG_RUNTIME_DIR/first-mate/channel.sock or /tmp/first-mate-$UID/. */
  socketPath: z.string().min(1).optional(),
  /** Where prompts and launch files are written. */
  stateDir: z.string().min(1).default(stateDir),
  /** Working directory of the first mate. */
  cwd: z
    .string()
    .min(1)
    .default(() => process.cwd()),
  agent: AgentChoiceSchema.default({ kind: "claude", binary: "claude", extraArgs: [] }),
  core: CoreConfigSchema.partial().default({}),
  /** Replaces the kit's CORE prompt layer (the supremacy line is kept). */
  corePrompt: z.string().min(1).max(20_000).optional(),
  /** How many IDENTITY backups to keep (one is taken before each spawn). */
  identityBackups: z.number().int().min(1).max(1000).default(10),
  /** How `spawn_worker` starts a worker when the first mate names no command. */
  workers: z
    .object({
      argv: z.array(z.string()).min(1).optional(),
      env: z.record(z.string(), z.string()).optional(),
    })
    .default({}),
});
export type HostConfig = z.infer<typeof HostConfigSchema>;
export type HostConfigInput = z.input<typeof HostConfigSchema>;

/** Parse a host configuration; errors name the field and the rule. */
export const parseHostConfig = (input: unknown): { ok: true; config: HostConfig } | { ok: false; errors: string[] } => {
  const parsed = HostConfigSchema.safeParse(input ?? {});
  if (parsed.success) return { ok: true, config: parsed.data };
  return {
    ok: false,
    errors: parsed.error.issues.map((issue) => `${issue.path.join(".") || "config"}: ${issue.message}`),
  };
};
