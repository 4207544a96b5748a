/**
 * The `--json` contract of the `first-mate` command: one schema per
 * command, and the one place its output shape is defined.
 *
 * Guarantees: every command but `run` prints exactly one JSON document
 * (a list is `[]` when empty); `run` prints JSON Lines, one
 * {@link RunLineJson} per line. Field names here are stable: a change is a
 * breaking change of the package. No output carries a secret or a hash
 * (spawn tokens, resume secrets and their hashes stay in the store). The
 * objects are strict so a test that parses the output with these schemas
 * fails on any field that is not documented here.
 */
import { AuthorityActionSchema, ConnGatedActionSchema } from "@first-mate/core";
import { z } from "zod";

const time = z.number().int().nonnegative();
const count = z.number().int().nonnegative();

/** `status --json`. `database.exists: false` means nothing has run with this database yet. */
export const StatusJson = z.strictObject({
  database: z.strictObject({ path: z.string(), exists: z.boolean() }),
  firstMate: z.strictObject({ pane: z.string(), attempt: count, spawnedAt: time }).nullable(),
  lease: z.strictObject({ owner: z.string().nullable(), expiresAt: time.nullable() }),
  killSwitch: z.boolean(),
  gaveUp: z.boolean(),
  starts: count,
  lastStart: z
    .strictObject({
      attempt: count,
      paneId: z.string().nullable(),
      startedAt: time,
      endedAt: time.nullable(),
      outcome: z.string(),
    })
    .nullable(),
  outboxDepth: count,
  /**
   * What only the running host knows (asked over its socket): whether the
   * first mate hears its channel, wake-ups typed instead, a start-up dialog it
   * waits at. Null when no host answered.
   */
  live: z
    .strictObject({
      channel: z.enum(["unconfirmed", "confirmed", "unavailable"]).nullable(),
      wakeUps: count,
      waitingAtDialog: z.string().nullable(),
    })
    .nullable(),
});
/** The document `status --json` prints. */
export type StatusJson = z.infer<typeof StatusJson>;

/** One captain's-log entry in `log --json`. */
export const LogEntryJson = z.strictObject({
  id: z.number().int().positive(),
  at: time,
  kind: z.enum(["standing_order", "watch", "narrative"]),
  author: z.enum(["first_mate", "kit", "human"]),
  text: z.string(),
});
/** One entry of `log --json`, and one line of `log --follow --json`. */
export type LogEntryJson = z.infer<typeof LogEntryJson>;
/** `log --json`: newest first; `[]` when the log is empty or there is no database. */
export const LogJson = z.array(LogEntryJson);
/** The document `log --json` prints. */
export type LogJson = z.infer<typeof LogJson>;

/** `disable --json` / `enable --json`: the kill switch as it now stands. */
export const KillSwitchJson = z.strictObject({ killSwitch: z.boolean() });
/** The document `disable|enable --json` prints. */
export type KillSwitchJson = z.infer<typeof KillSwitchJson>;
/** `reset --json`: crash-loop protection as it now stands. */
export const ResetJson = z.strictObject({ gaveUp: z.literal(false), resetAt: time });
/** The document `reset --json` prints. */
export type ResetJson = z.infer<typeof ResetJson>;

/** The conn: with the human, or with the first mate within a scope until `expiresAt`. */
export const ConnJson = z.discriminatedUnion("holder", [
  z.strictObject({ holder: z.literal("human"), since: time }),
  z.strictObject({
    holder: z.literal("first_mate"),
    since: time,
    expiresAt: time,
    scope: z.strictObject({ actions: z.array(ConnGatedActionSchema), targets: z.array(z.string()) }),
    escalation: z.string(),
    firstMateAttempt: count,
  }),
]);
/** `conn status --json`. */
export const ConnStatusJson = ConnJson;
/** `conn handoff --json` / `conn take-back --json`: whether it applied, and how (`host` or `store`). */
export const ConnChangeJson = z.strictObject({
  ok: z.boolean(),
  appliedBy: z.enum(["host", "store"]).nullable(),
  message: z.string(),
});

/** One ROLE-EXT proposal in `role list --json`, and the document `role approve|reject --json` prints. */
export const RoleExtensionJson = z.strictObject({
  id: z.number().int().positive(),
  text: z.string(),
  status: z.enum(["proposed", "approved", "rejected"]),
  proposedAt: time,
  decidedAt: time.nullable(),
  decidedBy: z.string().nullable(),
});
/** `role list --json`. */
export const RoleListJson = z.array(RoleExtensionJson);

/** One conn-gated proposal in `proposals list --json`, and the document `proposals approve|reject --json` prints. */
export const ProposalJson = z.strictObject({
  id: z.number().int().positive(),
  action: AuthorityActionSchema,
  reason: z.string(),
  at: time,
  status: z.enum(["pending", "approved", "rejected"]),
  decidedAt: time.nullable(),
  decidedBy: z.string().nullable(),
});
/** `proposals list --json`. */
export const ProposalListJson = z.array(ProposalJson);

/** `install-hooks --json` / `uninstall-hooks --json`. `diff` is set only with `--dry-run`. */
export const HooksJson = z.strictObject({
  action: z.enum(["install-hooks", "uninstall-hooks"]),
  path: z.string(),
  changed: z.boolean(),
  written: z.boolean(),
  command: z.string().nullable(),
  diff: z.string().nullable(),
});

/** `demo --json`: the closing summary. */
export const DemoJson = z.strictObject({
  digestPushes: count,
  digestBytesTotal: count,
  digestBytesMedian: z.number().nonnegative(),
  interruptsDelivered: count,
  notifyNeedHuman: count,
  notifyInterrupts: count,
  interruptHostLatencyMs: z.number().nonnegative().nullable(),
  interruptEndToEndMs: z.number().nonnegative().nullable(),
  respawnLatencyMs: z.number().nullable(),
  reattachLatencyMs: z.number().nullable(),
  firstMateStarts: count,
  logSurvivedRespawn: z.boolean(),
  fallbackWakeUps: count,
  fallbackPulled: z.boolean(),
});

/**
 * One line of `run --json`. Not the runtime's internal events: a small,
 * stable vocabulary of what a person or a supervisor script watches for.
 */
export const RunLineJson = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("started"), at: time, socketPath: z.string(), embedderTokenPath: z.string() }),
  z.strictObject({ type: z.literal("spawning"), at: time, attempt: count }),
  z.strictObject({ type: z.literal("attached"), at: time, pane: z.string() }),
  z.strictObject({
    type: z.literal("push"),
    at: time,
    pane: z.string(),
    kind: z.string(),
    bytes: count,
  }),
  z.strictObject({
    type: z.literal("notify"),
    at: time,
    pane: z.string(),
    kind: z.string(),
    message: z.string(),
  }),
  z.strictObject({
    type: z.literal("alert"),
    at: time,
    level: z.enum(["warning", "critical"]),
    code: z.string(),
    message: z.string(),
  }),
  z.strictObject({ type: z.literal("log"), at: time, text: z.string() }),
  z.strictObject({ type: z.literal("standby"), at: time }),
  z.strictObject({ type: z.literal("error"), at: time, message: z.string() }),
  z.strictObject({ type: z.literal("stopped"), at: time }),
]);
/** One line `run --json` prints. */
export type RunLineJson = z.infer<typeof RunLineJson>;

/** The document `conn status --json` prints. */
export type ConnJson = z.infer<typeof ConnJson>;
/** The document `conn handoff|take-back --json` prints. */
export type ConnChangeJson = z.infer<typeof ConnChangeJson>;
/** One element of `role list --json`. */
export type RoleExtensionJson = z.infer<typeof RoleExtensionJson>;
/** One element of `proposals list --json`. */
export type ProposalJson = z.infer<typeof ProposalJson>;
/** The document `install-hooks|uninstall-hooks --json` prints. */
export type HooksJson = z.infer<typeof HooksJson>;
/** The document `demo --json` prints. */
export type DemoJson = z.infer<typeof DemoJson>;
