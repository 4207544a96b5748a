/**
 * A pane's processes, as recorded before the pane is closed, and how they
 * are ended.
 *
 * A process is identified by its pid together with its start time, so a pid
 * the kernel has reused for another program is never signalled. The session
 * id tells a pane's own processes (the pane's session) from daemons an agent
 * detached on purpose (their own session), which are not the pane's to end.
 */
import { z } from "zod";

/** One process of a pane's tree: identity (pid + start time), parent, session and argv. */
export const PaneProcessSchema = z.object({
  pid: z.number().int().positive(),
  parentPid: z.number().int().nonnegative(),
  sessionId: z.number().int().nonnegative(),
  /** Opaque start time (kernel clock ticks on Linux): with the pid, the process's identity. */
  startTime: z.string().min(1).max(64),
  argv: z.array(z.string().max(4096)).max(64),
});
/** A parsed {@link PaneProcessSchema}. */
export type PaneProcess = z.infer<typeof PaneProcessSchema>;

/** The signals of the ending ladder, gentlest first. */
export const EndSignalSchema = z.enum(["SIGHUP", "SIGTERM", "SIGKILL"]);
/** A parsed {@link EndSignalSchema}. */
export type EndSignal = z.infer<typeof EndSignalSchema>;

/** One rung of the ladder: send `signal` to what remains, then wait up to `graceMs` for it to exit. */
export const EndStepSchema = z.object({
  signal: EndSignalSchema,
  graceMs: z.number().int().nonnegative().max(60_000),
});
/** A parsed {@link EndStepSchema}. */
export type EndStep = z.infer<typeof EndStepSchema>;

/**
 * SIGHUP first (what closing a terminal sends; most agents exit on it), then
 * SIGTERM (Gemini CLI catches SIGHUP and lives on), then SIGKILL.
 */
export const DEFAULT_END_LADDER: readonly EndStep[] = [
  { signal: "SIGHUP", graceMs: 2000 },
  { signal: "SIGTERM", graceMs: 3000 },
  { signal: "SIGKILL", graceMs: 2000 },
];

/** What ending one pane did: recorded before the close, then rung by rung. */
export const PaneEndReportSchema = z.object({
  /** Processes recorded in the pane's tree before it was closed (the pane's session only). */
  recorded: z.number().int().nonnegative(),
  /** Processes in the tree left alone: detached into their own session (daemons). */
  spared: z.number().int().nonnegative(),
  steps: z
    .array(
      z.object({
        signal: EndSignalSchema,
        signalled: z.number().int().nonnegative(),
        remaining: z.number().int().nonnegative(),
      }),
    )
    .max(8),
  /** Processes still alive after the whole ladder: pid and program. */
  survivors: z.array(z.object({ pid: z.number().int().positive(), program: z.string().max(200) })).max(64),
  /** Why the tree could not be recorded, when it could not (the pane was still closed). */
  unrecorded: z.string().max(500).nullable(),
});
/** A parsed {@link PaneEndReportSchema}. */
export type PaneEndReport = z.infer<typeof PaneEndReportSchema>;
