/**
 * Events: facts that enter the core, each carrying the time it happened.
 *
 * Observations, driver results and embedder inputs all arrive as events and
 * go through `step`. Events are validated with zod at the edge
 * (`parseEvent`); an invalid event is rejected with a reason and leaves
 * state unchanged.
 */
import { z } from "zod";
import { AUTHORITY_EVENT_SCHEMAS } from "./authority/authorityEvents.js";
import { ConnSchema } from "./authority/conn.js";
import { DeferredSpawnSchema } from "./authority/deferredSpawns.js";
import { AgentEvidenceSchema } from "./domain/agentState.js";
import { AlertSchema, MessageSchema, NotifyKindSchema, SeveritySchema } from "./domain/alert.js";
import { FleetDigestSchema } from "./domain/digest.js";
import { OutboxEntrySchema } from "./domain/interrupt.js";
import { InterruptTablesSchema } from "./domain/interruptTables.js";
import { LogEntrySchema } from "./domain/logEntry.js";
import { MarkerSchema, StartRecordSchema, TokenHashSchema } from "./domain/marker.js";
import {
  FleetInputsSchema,
  PaneInputSchema,
  PaneObservationSchema,
  UsageSnapshotSchema,
} from "./domain/observation.js";
import { PaneIdSchema } from "./domain/paneId.js";
import { TmuxServerIdentitySchema } from "./domain/paneIdentity.js";
import { PaneEndReportSchema } from "./domain/paneProcess.js";
import { ToolCallSchema, ToolRequestIdSchema } from "./domain/toolCall.js";

const now = z.number().int().nonnegative();

const LaunchAlertsSchema = z
  .array(z.object({ code: z.string().regex(/^[a-z0-9_]{1,64}$/), message: z.string().min(1).max(2000) }))
  .max(16);

/** A push's id as the first mate sees it in `meta.push` (e.g. `digest-1-7`, `interrupt-1-3`, `conn-2`). */
export const PushRefSchema = z.string().regex(/^[a-z]+(-\d{1,15}){1,2}$/, "a push id such as digest-1-7");

/** What the store held when the host (re)started: the core rebuilds from it. */
export const HydrationSchema = z.object({
  marker: MarkerSchema.nullable(),
  ledger: z.array(StartRecordSchema),
  outbox: z.array(OutboxEntrySchema),
  /** The highest outbox sequence number ever issued (delivered or not), 0 if none. */
  lastOutboxSeq: z.number().int().nonnegative(),
  alerts: z.array(AlertSchema),
  killSwitch: z.boolean(),
  gaveUp: z.boolean(),
  /** When the human last reset crash-loop protection; earlier failures no longer count. */
  resetAt: now.nullable(),
  /** The stored conn (docs/design.md, Authority); absent or null means the human holds it. */
  conn: ConnSchema.nullable().optional(),
  /** Dedupe marks, source wakes and folded repeats on file; absent means none. */
  interruptTables: InterruptTablesSchema.optional(),
  /** Spawns the budget deferred, still waiting; absent means none. */
  deferred: z.array(DeferredSpawnSchema).optional(),
});
/** A parsed {@link HydrationSchema}. */
export type Hydration = z.infer<typeof HydrationSchema>;

/** What an empty store hydrates to. */
export const EMPTY_HYDRATION: Hydration = {
  marker: null,
  ledger: [],
  outbox: [],
  lastOutboxSeq: 0,
  alerts: [],
  killSwitch: false,
  gaveUp: false,
  resetAt: null,
};

/**
 * Every event the core takes: facts in the past tense (`Started`, `Ticked`, `FleetObserved`, `SpawnSucceeded`,
 * `EmitFailed`, `NotifyReceived`, …), each carrying `now`. `step` rejects what does not parse.
 */
export const EventSchema = z.discriminatedUnion("type", [
  /** `hydration` null: the store could not be read at start (see onStartedUnhydrated in step.ts). */
  z.object({ type: z.literal("Started"), now, owner: z.string().min(1), hydration: HydrationSchema.nullable() }),
  z.object({ type: z.literal("Ticked"), now }),
  z.object({
    type: z.literal("FleetObserved"),
    now,
    observeId: z.number().int(),
    panes: z.array(PaneObservationSchema),
    /**
     * The store's supervisor flags read with the observation, so a kill
     * switch or reset set by another process (the CLI) is seen level-triggered.
     */
    flags: z
      .object({
        killSwitch: z.boolean(),
        gaveUp: z.boolean(),
        resetAt: now.nullable(),
        /** The marker the store holds: a host without the lease follows it, and adopts it on taking the lease. */
        marker: MarkerSchema.nullable().optional(),
      })
      .optional(),
  }),
  z.object({ type: z.literal("ObserveFailed"), now, observeId: z.number().int(), reason: z.string() }),
  /** tmux reported a pane or window closing (control mode); observe at once. */
  z.object({ type: z.literal("PaneExited"), now, paneId: PaneIdSchema.nullable() }),
  /** The embedder's knowledge: status lines, PR/CI, usage. Replaces the given panes' inputs. */
  z.object({
    type: z.literal("InputsUpdated"),
    now,
    panes: z.record(PaneIdSchema, PaneInputSchema).optional(),
    usage: UsageSnapshotSchema.optional(),
  }),
  z.object({
    type: z.literal("SpawnSucceeded"),
    now,
    requestId: z.string(),
    /** Raw, as read from tmux: validated by the core, never trusted. */
    paneId: z.string(),
    windowId: z.string().nullable(),
    tokenHash: TokenHashSchema,
    /** The new pane's pid and tmux server as the create call printed them: the marker records them at once. */
    panePid: z.number().int().positive().nullable().optional(),
    tmuxServer: TmuxServerIdentitySchema.nullable().optional(),
    /** What the launcher had to tell the human about this start (raised as alerts). */
    alerts: LaunchAlertsSchema.optional(),
  }),
  z.object({
    type: z.literal("SpawnFailed"),
    now,
    requestId: z.string(),
    reason: z.string(),
    alerts: LaunchAlertsSchema.optional(),
  }),
  z.object({ type: z.literal("EmitSucceeded"), now, emitId: z.string() }),
  z.object({ type: z.literal("EmitFailed"), now, emitId: z.string(), reason: z.string() }),
  /** A channel session attached; `firstMate` only when pane AND token were verified. */
  z.object({ type: z.literal("ChannelAttached"), now, paneId: PaneIdSchema, firstMate: z.boolean() }),
  z.object({ type: z.literal("ChannelDetached"), now, paneId: PaneIdSchema }),
  z.object({
    type: z.literal("NotifyReceived"),
    now,
    paneId: PaneIdSchema,
    kind: NotifyKindSchema,
    message: MessageSchema,
    severity: SeveritySchema.optional(),
    /**
     * Set when an agent's `notify` tool call awaits the core's answer
     * (`tool.reply`): the pane must then be live in the latest observation.
     */
    requestId: ToolRequestIdSchema.optional(),
  }),
  /** An agent's `report`; `requestId` as for NotifyReceived. */
  z.object({
    type: z.literal("ReportReceived"),
    now,
    paneId: PaneIdSchema,
    message: MessageSchema,
    requestId: ToolRequestIdSchema.optional(),
  }),
  /** Evidence about an agent's state (a lifecycle hook, through the hook command). */
  z.object({ type: z.literal("AgentEvidenceReceived"), now, paneId: PaneIdSchema, evidence: AgentEvidenceSchema }),
  /**
   * The bottom of a pane's screen, answering `tmux.capture` (the agent-state
   * fallback); with `requestId`, the screen a `peek` asked for.
   */
  z.object({
    type: z.literal("ScreenCaptured"),
    now,
    paneId: PaneIdSchema,
    text: z.string().max(256 * 1024),
    requestId: z.string().optional(),
  }),
  /** A `peek`'s capture (a `tmux.capture` with a request id) failed. */
  z.object({ type: z.literal("ScreenCaptureFailed"), now, requestId: z.string(), reason: z.string().max(2000) }),
  /**
   * The first mate called a tool that acts on the fleet (or reads a
   * worker's screen); the core decides on the state it holds now and
   * answers with `tool.reply` naming `requestId`. `paneId` is the caller,
   * verified by the channel server.
   */
  z.object({
    type: z.literal("ToolCalled"),
    now,
    requestId: ToolRequestIdSchema,
    paneId: PaneIdSchema,
    call: ToolCallSchema,
  }),
  /** The first mate's captain's-log line was stored (`store.appendFirstMateLog`). */
  z.object({ type: z.literal("LogEntryAppended"), now, requestId: z.string(), entry: LogEntrySchema }),
  /** A tool's store write (`store.appendFirstMateLog`, `store.proposeRoleExtension`) failed. */
  z.object({ type: z.literal("ToolStoreWriteFailed"), now, requestId: z.string(), reason: z.string().max(2000) }),
  /**
   * A `terminate`'s pane was closed (`error` null) or not; `report` says
   * what became of its processes, when a process port recorded them.
   */
  z.object({
    type: z.literal("PaneCloseSettled"),
    now,
    requestId: z.string(),
    paneId: PaneIdSchema,
    error: z.string().max(2000).nullable(),
    report: PaneEndReportSchema.nullable(),
  }),
  /** The lease as the store answered; `epoch` fences the holder's writes (0 when the store could not be read). */
  z.object({
    type: z.literal("LeaseRenewed"),
    now,
    held: z.boolean(),
    expiresAt: now,
    epoch: z.number().int().nonnegative(),
  }),
  /** The store's supervisor state, answering `store.readSupervisor`. */
  z.object({
    type: z.literal("SupervisorStateRead"),
    now,
    readId: z.number().int(),
    marker: MarkerSchema.nullable(),
    ledger: z.array(StartRecordSchema),
    gaveUp: z.boolean(),
    resetAt: now.nullable(),
    killSwitch: z.boolean(),
    /** The interrupt tables and deferred spawns on file: merged into this host's own on taking the lease. */
    interruptTables: InterruptTablesSchema.optional(),
    deferred: z.array(DeferredSpawnSchema).optional(),
    /**
     * The pending outbox, the highest sequence number ever issued and the
     * alerts on file: joined with this host's own, so a host that started
     * without reading the store (or whose writes were refused) catches up.
     */
    outbox: z.array(OutboxEntrySchema).optional(),
    lastOutboxSeq: z.number().int().nonnegative().optional(),
    alerts: z.array(AlertSchema).optional(),
  }),
  z.object({ type: z.literal("SupervisorReadFailed"), now, readId: z.number().int(), reason: z.string() }),
  /** A pane was closed and its recorded processes ended (or not): logged, and survivors alerted. */
  z.object({
    type: z.literal("PaneEnded"),
    now,
    paneId: PaneIdSchema,
    reason: z.string().min(1).max(200),
    report: PaneEndReportSchema,
  }),
  /**
   * A durable write failed; the effects of its batch were not run (each
   * answered with its own failure). `staleEpoch`: the store refused a
   * holder-only write because another host took the lease.
   */
  z.object({
    type: z.literal("StoreWriteFailed"),
    now,
    command: z.string().max(100),
    reason: z.string().max(2000),
    staleEpoch: z.boolean(),
    /** The outbox entry the write was for (an enqueue, a delivery mark). */
    seq: z.number().int().positive().optional(),
    /** The pane whose alert the write was for (set or cleared). */
    paneId: PaneIdSchema.optional(),
  }),
  /**
   * The verified first mate called one of its tools (channel evidence);
   * `ack` names the push it answers, when it says.
   */
  z.object({
    type: z.literal("FirstMateToolCalled"),
    now,
    paneId: PaneIdSchema,
    tool: z.string().min(1).max(64),
    ack: PushRefSchema.optional(),
  }),
  /** The first mate pulled the digest: `digest` is exactly what it was given. */
  z.object({
    type: z.literal("DigestPulled"),
    now,
    paneId: PaneIdSchema,
    digest: FleetDigestSchema,
    /** Dedupe keys of the folded repeats the pulled text carried. */
    repeatKeys: z.array(z.string()).max(10_000),
    /** The expiry count the pulled text reported. */
    expiredReported: z.number().int().nonnegative(),
    ack: PushRefSchema.optional(),
  }),
  /** `inbox` returned these interrupts to the first mate: they are delivered. */
  z.object({
    type: z.literal("InboxPulled"),
    now,
    paneId: PaneIdSchema,
    seqs: z.array(z.number().int().positive()).max(100_000),
    ack: PushRefSchema.optional(),
  }),
  /** A `tmux.sendText` (a wake-up) was typed into its pane. */
  z.object({ type: z.literal("TextSent"), now, requestId: z.string() }),
  z.object({ type: z.literal("TextSendFailed"), now, requestId: z.string(), reason: z.string() }),
  z.object({ type: z.literal("KillSwitchSet"), now, on: z.boolean() }),
  /** The human cleared a crash-loop give-up. */
  z.object({ type: z.literal("SupervisorReset"), now }),
  /** Conn, actions, deferred spawns, identity (authority/authorityEvents.ts). */
  ...AUTHORITY_EVENT_SCHEMAS,
]);
/** A parsed {@link EventSchema}. */
export type Event = z.infer<typeof EventSchema>;
/** The `type` of any event. */
export type EventType = Event["type"];
/** The event with the given `type`. */
export type EventOf<T extends EventType> = Extract<Event, { type: T }>;

export { FleetInputsSchema };
