/**
 * The host's configuration: where things live and which agent plays the
 * first mate. Validated with zod; every field has a working default, so an
 * empty object runs first-mate against the default tmux server.
 *
 * Guarantees: every object is strict, so a misspelt key is an error that
 * names it (never silently ignored); an unknown agent kind is an error that
 * names it; `~` and `$VARIABLE` are expanded in every path field, and an
 * unset variable is an error naming it. To add a field, add it to the
 * object in `hostConfigSchema` (and to docs/operations.md).
 */

import { homedir } from "node:os";
import { join } from "node:path";
import { CoreConfigSchema } from "@first-mate/core";
import { SchemaNameSchema } from "@first-mate/store-postgres";
import * as E from "fp-ts/lib/Either.js";
import { z } from "zod";
import { expandPath, type PathEnvironment } from "./expandPath.js";
import { RetentionPolicySchema } from "./retentionTimer.js";

const AGENT_KINDS = ["claude", "stand-in", "command"] as const;

/** The environment of this process, read at parse time (not at import). */
const processEnvironment: PathEnvironment = {
  get env() {
    return process.env;
  },
  get home() {
    return homedir();
  },
};

/** A path as written in a configuration: `~` and `$VARIABLE` expanded. */
const pathSchema = (environment: PathEnvironment) =>
  z
    .string()
    .min(1)
    .transform((path, context) => {
      const expanded = expandPath(path, environment);
      if (E.isRight(expanded)) return expanded.right;
      context.addIssue({ code: "custom", message: `${expanded.left} (in ${JSON.stringify(path)})` });
      return z.NEVER;
    });

/** A PostgreSQL URL, taken as written (a password may hold `$` or `~`). */
const postgresUrlSchema = z
  .string()
  .regex(/^postgres(ql)?:\/\//i, "a PostgreSQL URL starts with postgres:// or postgresql://");

/** A database path (expanded like every path), or a PostgreSQL URL (taken as written). */
const databaseLocationSchema = (environment: PathEnvironment) =>
  z
    .string()
    .min(1)
    .transform((location, context) => {
      if (/^postgres(ql)?:\/\//i.test(location)) return location;
      const expanded = expandPath(location, environment);
      if (E.isRight(expanded)) return expanded.right;
      context.addIssue({ code: "custom", message: `${expanded.left} (in ${JSON.stringify(location)})` });
      return z.NEVER;
    });

const agentChoiceSchema = (environment: PathEnvironment) =>
  z.discriminatedUnion(
    "kind",
    [
      /** Real Claude Code with the first-mate channel loaded. */
      z.strictObject({
        kind: z.literal("claude"),
        binary: z.string().min(1).default("claude"),
        extraArgs: z.array(z.string()).default([]),
      }),
      /** The stand-in first mate shipped with first-mate (for demos and tests). */
      z.strictObject({
        kind: z.literal("stand-in"),
        logFile: pathSchema(environment).optional(),
        /** Play an agent whose channel is silently off: it drops pushes and answers typed wake-ups. */
        ignoresChannel: z.boolean().optional(),
      }),
      /** Any command; it receives FIRST_MATE_* variables in its environment. */
      z.strictObject({ kind: z.literal("command"), argv: z.array(z.string()).min(1) }),
    ],
    {
      error: (issue) => {
        if (issue.code !== "invalid_union") return undefined;
        const kind = (issue.input as { kind?: unknown } | undefined)?.kind;
        return kind === undefined
          ? `agent.kind is required: one of ${AGENT_KINDS.join(", ")}`
          : `unknown agent kind ${JSON.stringify(kind)} (known: ${AGENT_KINDS.join(", ")})`;
      },
    },
  );

/** Which agent plays the first mate: Claude Code, the stand-in, or any command. */
export const AgentChoiceSchema = agentChoiceSchema(processEnvironment);
/** A parsed {@link AgentChoiceSchema}. */
export type AgentChoice = z.infer<typeof AgentChoiceSchema>;

const defaultStateDir = (environment: PathEnvironment): string => {
  const configured = environment.env.XDG_STATE_HOME;
  return join(configured?.startsWith("/") ? configured : join(environment.home, ".local", "state"), "first-mate");
};

/**
 * The host configuration schema, expanding paths against `environment`.
 *
 * @param environment - where `~` and `$VARIABLE` come from; default this process's
 */
export const hostConfigSchema = (environment: PathEnvironment = processEnvironment) =>
  z.strictObject({
    tmux: z
      .strictObject({
        socketName: z.string().min(1).optional(),
        socketPath: pathSchema(environment).optional(),
        binary: z.string().min(1).optional(),
      })
      .default({}),
    /**
     * SQLite file; default `$XDG_STATE_HOME/first-mate/first-mate.db` (see
     * docs/operations.md). A `postgres://` URL here means PostgreSQL.
     */
    databasePath: databaseLocationSchema(environment).optional(),
    /** The store: SQLite (the default) or PostgreSQL shared by several hosts. Overrides `databasePath`. */
    store: z
      .discriminatedUnion("kind", [
        z.strictObject({ kind: z.literal("sqlite"), path: pathSchema(environment).optional() }),
        z.strictObject({
          kind: z.literal("postgres"),
          url: postgresUrlSchema,
          schema: SchemaNameSchema.optional(),
        }),
      ])
      .optional(),
    /**
     * SQLite durability. NORMAL (WAL): an acknowledged write survives the
     * process being killed (docs/design.md, Store), at ~0.1 ms a write. FULL also survives
     * a power cut, at one fsync (~3–7 ms here) per write — on the interrupt path.
     */
    databaseSync: z.enum(["NORMAL", "FULL"]).default("NORMAL"),
    /** Channel socket; default $XDG_RUNTIME_DIR/first-mate/channel.sock or /tmp/first-mate-$UID/. */
    socketPath: pathSchema(environment).optional(),
    /**
     * Several hosts on one shared store (PostgreSQL) on one machine share one
     * channel socket: with `channelStandby`, a host that finds another
     * host's server on `socketPath` starts anyway and takes the socket over
     * as soon as that host is gone, so the first mate's shim reconnects to
     * it. Off by default: a busy socket is an error.
     */
    channelStandby: z.boolean().default(false),
    /** Where prompts, launch files, the identity file and the embedder token are written. */
    stateDir: pathSchema(environment).default(() => defaultStateDir(environment)),
    /** Working directory of the first mate. */
    cwd: pathSchema(environment).default(() => process.cwd()),
    agent: agentChoiceSchema(environment).default({ kind: "claude", binary: "claude", extraArgs: [] }),
    core: z.strictObject(CoreConfigSchema.partial().shape).default({}),
    /** Replaces the kit's CORE prompt layer (the supremacy line is kept). */
    corePrompt: z.string().min(1).max(20_000).optional(),
    /** How many IDENTITY backups to keep (one is taken before each spawn). */
    identityBackups: z.number().int().min(1).max(1000).default(10),
    /** Store retention on a timer: log entries kept, delivered-outbox age, pass interval. */
    retention: RetentionPolicySchema.prefault({}),
    /** How `spawn_worker` starts a worker when the first mate names no command. */
    workers: z
      .strictObject({
        argv: z.array(z.string()).min(1).optional(),
        env: z.record(z.string(), z.string()).optional(),
      })
      .default({}),
  });

/** The host configuration schema for this process's environment. */
export const HostConfigSchema = hostConfigSchema();
/** A parsed host configuration: every default filled in, every path expanded. */
export type HostConfig = z.infer<typeof HostConfigSchema>;
/** A host configuration as written (every field optional). */
export type HostConfigInput = z.input<typeof HostConfigSchema>;

/**
 * Parse a host configuration; errors name the field and the rule, and an
 * unknown key is named (`config: Unrecognized key: "databsePath"`).
 *
 * @param input - the configuration as written, e.g. parsed from a JSON file
 * @param environment - where `~` and `$VARIABLE` in paths come from; default this process's
 */
export const parseHostConfig = (
  input: unknown,
  environment: PathEnvironment = processEnvironment,
): { ok: true; config: HostConfig } | { ok: false; errors: string[] } => {
  const schema = environment === processEnvironment ? HostConfigSchema : hostConfigSchema(environment);
  const parsed = schema.safeParse(input ?? {});
  if (parsed.success) return { ok: true, config: parsed.data };
  return {
    ok: false,
    errors: parsed.error.issues.map((issue) => `${issue.path.join(".") || "config"}: ${issue.message}`),
  };
};
