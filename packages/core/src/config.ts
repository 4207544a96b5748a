/**
 * Core configuration, validated with zod. Every field has the default docs/design.md gives,
 * so `parseCoreConfig({})` is a working configuration.
 * Durations are milliseconds.
 */
import { z } from "zod";
import { DEFAULT_PROHIBITIONS, ProhibitionSchema } from "./authority/prohibition.js";
import { DEFAULT_ANSWERED_DIALOGS } from "./decisions/startupDialogs.js";
import { AgentSignatureSchema, DEFAULT_AGENT_SIGNATURES } from "./domain/agentKind.js";

const ms = () => z.number().int().positive();

/** The core's configuration: every interval, threshold, cap and name, each with its default (see docs/design.md). */
export const CoreConfigSchema = z.object({
  /** Heartbeat tick (docs/design.md, Heartbeat). */
  tickMs: ms().default(30_000),
  /**
   * A first mate that shows no sign of having seen a push this long after
   * it was accepted is taken not to receive its channel (typed wake-ups instead).
   */
  channelConfirmMs: ms().default(90_000),
  /**
   * While the first mate has not attached or its channel is unconfirmed, its
   * screen is read (start-up dialogs, an ignored channel) at most once per this interval.
   */
  firstMateScreenIntervalMs: ms().default(5_000),
  /**
   * Start-up dialogs first-mate answers for the first mate, by id
   * (decisions/startupDialogs.ts). Default: only Claude Code's consent for
   * first-mate's own development channel; `[]` answers none. Folder trust,
   * API-key and sign-in dialogs are answered only when named here.
   */
  answerStartupDialogs: z
    .array(z.string().regex(/^[a-z0-9_]{1,64}$/, "a dialog id such as claude_folder_trust"))
    .max(64)
    .default(() => [...DEFAULT_ANSWERED_DIALOGS]),
  /**
   * While the channel is unavailable, a typed wake-up the first mate leaves
   * unanswered (nothing pulled) is typed again at most this many times,
   * after 1, 2, 4… push intervals (0: never again until something new).
   */
  wakeResendLimit: z.number().int().nonnegative().max(16).default(3),
  /** At most one digest push per this interval, first sight excepted. */
  pushIntervalMs: ms().default(120_000),
  /** A pane idle this long has "entered idle" (docs/design.md, Observation, digest and delta). */
  idleThresholdMs: ms().default(300_000),
  /** Budget movement, in percentage points, that counts as material. */
  budgetStepPoints: z.number().positive().default(5),
  /** Size cap of one rendered push, in bytes (UTF-8). */
  renderCapBytes: z.number().int().min(256).default(4096),
  /** Interrupt dedupe window (docs/design.md, Interrupts). */
  dedupeWindowMs: ms().default(60_000),
  /** Per-source wake limit: at most `rateLimitWakes` per `rateLimitWindowMs`. */
  rateLimitWakes: z.number().int().positive().default(6),
  rateLimitWindowMs: ms().default(600_000),
  /** Undelivered interrupts older than this are dropped with a count. */
  outboxTtlMs: ms().default(86_400_000),
  /** At most this many undelivered interrupts are kept; beyond it the oldest expire early, with a count. */
  outboxCap: z.number().int().positive().default(1_000),
  /** A first mate that dies sooner counts as a failed start (docs/design.md, Supervisor). */
  minUptimeMs: ms().default(60_000),
  /** Crash-loop protection: at most `maxStarts` per `startWindowMs`. */
  maxStarts: z.number().int().positive().default(3),
  startWindowMs: ms().default(600_000),
  backoffBaseMs: ms().default(5_000),
  backoffMaxMs: ms().default(300_000),
  /**
   * A first-mate tool call whose effect has not answered this long after the
   * call (a spawn whose tmux command never returns, a store that hangs) is
   * answered with a typed timeout; a later outcome is only logged. Below the
   * MCP client's own request timeout (60 s), so the caller hears why.
   */
  toolCallTimeoutMs: ms().default(30_000),
  /** Supervisor lease: how long one renewal holds it. */
  leaseTtlMs: ms().default(90_000),
  /** Agent state evidence older than this stops counting (docs/design.md, Observation, digest and delta). */
  agentEvidenceMaxAgeMs: ms().default(600_000),
  /** A pane's screen is captured for the state fallback at most once per this interval. */
  screenCaptureIntervalMs: ms().default(60_000),
  /** At most this many screen captures per fleet observation (0: no screen fallback). */
  screenCapturesPerTick: z.number().int().nonnegative().default(8),
  /** Lines captured from the bottom of a pane for the screen fallback. */
  screenCaptureLines: z.number().int().min(1).max(200).default(40),
  /** Where the first mate lives. */
  session: z.string().min(1).default("bridge"),
  window: z.string().min(1).default("first-mate"),
  /** Spawns are deferred to the usage window's reset at or above this percent (docs/design.md, Authority). */
  budgetHighWaterPercent: z.number().min(0).max(100).default(85),
  /** The digest cadence starts backing off at this percent… */
  budgetBackoffFromPercent: z.number().min(0).max(100).default(50),
  /** …and reaches this multiple of `pushIntervalMs` at 100 %. */
  budgetBackoffMaxFactor: z.number().min(1).max(100).default(4),
  /** Absolute prohibitions; extend with `[...DEFAULT_PROHIBITIONS, rule]`. */
  prohibitions: z.array(ProhibitionSchema).default(() => [...DEFAULT_PROHIBITIONS]),
  /** The identity file over this many characters is warned about. */
  identityCapChars: z.number().int().positive().default(8000),
  /**
   * The IDENTITY layer's hard cap, in characters: over it, a start uses the
   * newest backup within the cap instead, and the human is alerted.
   */
  identityHardCapChars: z.number().int().positive().default(32_000),
  /** The consolidation nudge rides the digest after this many wakes without an identity edit. */
  identityNudgeAfterWakes: z.number().int().positive().default(50),
  /**
   * Agent detection table; extend with `[...DEFAULT_AGENT_SIGNATURES, entry]`
   * (the first entry that matches wins).
   */
  agentSignatures: z
    .array(AgentSignatureSchema)
    .max(256)
    .default(() => [...DEFAULT_AGENT_SIGNATURES]),
  /** The tmux session first-mate's workers are spawned in. */
  workerSession: z.string().min(1).default("fleet"),
  /** How `spawn_worker` starts a worker when it names no command (argv, directory, environment). */
  workerDefaults: z
    .object({
      argv: z.array(z.string()).min(1).optional(),
      cwd: z.string().min(1).optional(),
      env: z.record(z.string(), z.string()).optional(),
    })
    .default({}),
});
/** A parsed {@link CoreConfigSchema}. */
export type CoreConfig = z.infer<typeof CoreConfigSchema>;
/** The input of {@link CoreConfigSchema}, before defaults. */
export type CoreConfigInput = z.input<typeof CoreConfigSchema>;

/** Pure: the full configuration from a partial one, or a zod error. */
export const parseCoreConfig = (input: CoreConfigInput = {}): CoreConfig => CoreConfigSchema.parse(input);

/** The configuration with every default. */
export const DEFAULT_CONFIG: CoreConfig = parseCoreConfig({});
