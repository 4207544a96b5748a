/**
 * The `list-panes -a -F …` formats this driver uses, and their pure parser.
 *
 * Guarantees: every free-text field (session name, window name, pane title,
 * current command) is printed as `<byte length>\t<bytes>`, so the parser
 * cuts it by length and any content — tabs, newlines, quotes, `#`, unicode,
 * the separator itself — comes back exactly as tmux holds it. Each row is
 * validated with the core's `PaneObservationSchema`.
 *
 * A row that cannot be read makes the whole listing a `TmuxOutputInvalid`
 * (naming the row): skipping it would make a live pane look gone, and the
 * supervisor would act on that. Never throws.
 * Does not: run tmux, or decide which rows belong to the fleet.
 */
import { type PaneObservation, PaneObservationSchema, type TmuxError, type TmuxServerIdentity } from "@first-mate/core";
import * as E from "fp-ts/lib/Either.js";
import { tmuxOutputInvalid } from "./tmuxErrors.js";

const NUMERIC_FIELDS = [
  "#{pane_id}",
  "#{window_index}",
  "#{pane_pid}",
  "#{pane_dead}",
  // tmux 3.3a has no #{pane_activity} (it prints empty); window activity is the finest it offers, in seconds.
  "#{window_activity}",
  "#{pane_width}",
  "#{pane_height}",
  // The tmux server's identity (pid and start time): pane ids restart at %0 on a new server.
  "#{pid}",
  "#{start_time}",
] as const;
/** The pane option first-mate sets on panes it spawns, naming the agent kind it started there. */
export const AGENT_PANE_OPTION = "@first_mate_agent";
const TEXT_FIELDS = [
  "session_name",
  "window_name",
  "pane_title",
  "pane_current_command",
  "pane_start_command",
  AGENT_PANE_OPTION,
] as const;

/** The text fields of a tick listing: the full set without the two command fields. */
const TICK_TEXT_FIELDS = ["session_name", "window_name", "pane_title", AGENT_PANE_OPTION] as const;

const formatOf = (textFields: readonly string[]) =>
  [...NUMERIC_FIELDS, ...textFields.map((name) => `#{n:${name}}\t#{${name}}`)].join("\t");

/** The `-F` format: numeric fields, then length-prefixed text fields, tab-separated. */
export const PANE_LIST_FORMAT = formatOf(TEXT_FIELDS);

/**
 * PANE_LIST_FORMAT without the pane's current and start command. tmux
 * finds each pane's current command by reading `/proc` for it, most of a
 * listing's cost at 1000 panes; a driver that can tell when a pane's
 * processes changed asks for the two fields only then (see paneCommands.ts).
 * Rows parse with `command` empty and no `startCommand`.
 */
export const PANE_TICK_FORMAT = formatOf(TICK_TEXT_FIELDS);

/** Which of the two formats a listing was printed with. */
export type PaneListingFormat = "full" | "tick";

const TAB = 0x09;
const NEWLINE = 0x0a;

/** A row as bytes for error reports (up to the next newline, at most 500 bytes). */
const rowPreview = (output: Buffer, start: number): string => {
  const end = output.indexOf(NEWLINE, start);
  return output.toString("utf8", start, Math.min(end === -1 ? output.length : end, start + 500));
};

const optionalInt = (text: string): number | undefined => (/^\d+$/.test(text) ? Number(text) : undefined);

/** The server identity fields, absent when tmux printed none (a fake, an older format). */
const serverOf = (pid: string, startTime: string): { tmuxServer?: TmuxServerIdentity } => {
  const serverPid = optionalInt(pid);
  const startedAt = optionalInt(startTime);
  return serverPid === undefined || startedAt === undefined
    ? {}
    : { tmuxServer: { pid: serverPid, startedAt: startedAt * 1000 } };
};

/** One row read: its pane (null when its session is hidden) and where the next row starts. */
type RowRead = E.Either<TmuxError, { readonly pane: PaneObservation | null; readonly end: number }>;

/** Pure: reads the row starting at `rowStart` (see parsePaneListing). */
const readRow = (
  output: Buffer,
  rowStart: number,
  hiddenSessions: ReadonlySet<string>,
  format: PaneListingFormat,
): RowRead => {
  const textFields: readonly string[] = format === "full" ? TEXT_FIELDS : TICK_TEXT_FIELDS;
  let cursor = rowStart;
  const invalid = (why: string) =>
    E.left(tmuxOutputInvalid(`unreadable list-panes row: ${why}`, rowPreview(output, rowStart)));

  const numeric: string[] = [];
  for (let i = 0; i < NUMERIC_FIELDS.length; i++) {
    const tab = output.indexOf(TAB, cursor);
    const newline = output.indexOf(NEWLINE, cursor);
    if (tab === -1 || (newline !== -1 && newline < tab)) return invalid(`expected ${NUMERIC_FIELDS.length} fields`);
    numeric.push(output.toString("latin1", cursor, tab));
    cursor = tab + 1;
  }
  const text: string[] = [];
  for (let i = 0; i < textFields.length; i++) {
    const tab = output.indexOf(TAB, cursor);
    if (tab === -1) return invalid(`missing length of ${textFields[i]}`);
    const lengthText = output.toString("latin1", cursor, tab);
    if (!/^\d{1,9}$/.test(lengthText)) return invalid(`bad length "${lengthText}" of ${textFields[i]}`);
    const start = tab + 1;
    const end = start + Number(lengthText);
    const terminator = i === textFields.length - 1 ? NEWLINE : TAB;
    if (end >= output.length || output[end] !== terminator) return invalid(`${textFields[i]} overruns its length`);
    text.push(output.toString("utf8", start, end));
    cursor = end + 1;
  }

  const [paneId, windowIndex, pid, dead, activity, width, height, serverPid, serverStartedAt] = numeric as [
    string,
    ...string[],
  ];
  // A tick listing has no command fields: they read as empty here.
  const [session, windowName, title, command, startCommand, declaredAgent] = (
    format === "full" ? text : [text[0], text[1], text[2], "", "", text[3]]
  ) as [string, string, string, string, string, string];
  if (hiddenSessions.has(session)) return E.right({ pane: null, end: cursor });
  const candidate = {
    paneId,
    session,
    windowIndex: optionalInt(windowIndex ?? "") ?? Number.NaN,
    windowName,
    title,
    command,
    // A dead pane may print no pid at all.
    pid: pid === "" ? null : (optionalInt(pid ?? "") ?? Number.NaN),
    dead: dead === "1",
    lastActivityAt: (optionalInt(activity ?? "") ?? Number.NaN) * 1000,
    width: optionalInt(width ?? ""),
    height: optionalInt(height ?? ""),
    ...serverOf(serverPid ?? "", serverStartedAt ?? ""),
    // The default shell (no start command) and an undeclared kind are absent, not empty.
    ...(startCommand === "" ? {} : { startCommand }),
    ...(declaredAgent === "" ? {} : { declaredAgent }),
  };
  if (dead !== "0" && dead !== "1") return invalid(`pane_dead is "${dead}"`);
  const parsed = PaneObservationSchema.safeParse(candidate);
  if (!parsed.success)
    return invalid(parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; "));
  if (parsed.data.width === undefined) delete parsed.data.width;
  if (parsed.data.height === undefined) delete parsed.data.height;
  return E.right({ pane: parsed.data, end: cursor });
};

/**
 * Pure: parses the whole output of `list-panes -a -F PANE_LIST_FORMAT`
 * (or PANE_TICK_FORMAT, with `format` "tick").
 * Rows whose session is in `hiddenSessions` are left out.
 */
export const parsePaneListing = (
  output: Buffer,
  hiddenSessions: ReadonlySet<string> = new Set(),
  format: PaneListingFormat = "full",
): E.Either<TmuxError, PaneObservation[]> => {
  const panes: PaneObservation[] = [];
  for (let cursor = 0; cursor < output.length; ) {
    const row = readRow(output, cursor, hiddenSessions, format);
    if (E.isLeft(row)) return row;
    if (row.right.pane !== null) panes.push(row.right.pane);
    cursor = row.right.end;
  }
  return E.right(panes);
};

/** `parsePaneListing` that remembers each pane's last row (see createPaneListingParser). */
export interface PaneListingParser {
  parse(output: Buffer): E.Either<TmuxError, PaneObservation[]>;
}

const PERCENT = 0x25;

/** The number in a row's leading `%<digits>\t`, or -1. */
const leadingPaneNumber = (output: Buffer, rowStart: number): number => {
  if (output[rowStart] !== PERCENT) return -1;
  let value = 0;
  for (let index = rowStart + 1; index < output.length && index < rowStart + 12; index++) {
    const byte = output[index]!;
    if (byte === TAB) return index > rowStart + 1 ? value : -1;
    if (byte < 48 || byte > 57) return -1;
    value = value * 10 + (byte - 48);
  }
  return -1;
};

/**
 * `parsePaneListing` for a driver that lists the same fleet every tick: a
 * pane whose row is byte for byte the row it had in the previous listing
 * is the same observation, returned as the same object without being
 * parsed or validated again. The parser reads strictly left to right, so
 * equal bytes can only read the same; a row that differs in any byte is
 * read afresh. Panes gone from a listing are forgotten.
 */
export const createPaneListingParser = (
  hiddenSessions: ReadonlySet<string> = new Set(),
  format: PaneListingFormat = "full",
): PaneListingParser => {
  let rows = new Map<number, { readonly bytes: Buffer; readonly pane: PaneObservation | null }>();
  return {
    parse(output) {
      const panes: PaneObservation[] = [];
      const next = new Map<number, { readonly bytes: Buffer; readonly pane: PaneObservation | null }>();
      for (let cursor = 0; cursor < output.length; ) {
        const key = leadingPaneNumber(output, cursor);
        const before = key === -1 ? undefined : rows.get(key);
        const length = before?.bytes.length ?? 0;
        if (
          before !== undefined &&
          cursor + length <= output.length &&
          before.bytes.compare(output, cursor, cursor + length) === 0
        ) {
          if (before.pane !== null) panes.push(before.pane);
          next.set(key, before);
          cursor += length;
          continue;
        }
        const row = readRow(output, cursor, hiddenSessions, format);
        if (E.isLeft(row)) return row;
        if (row.right.pane !== null) panes.push(row.right.pane);
        if (key !== -1)
          next.set(key, { bytes: Buffer.from(output.subarray(cursor, row.right.end)), pane: row.right.pane });
        cursor = row.right.end;
      }
      rows = next;
      return E.right(panes);
    },
  };
};

/** Pure: renders observations the way tmux prints PANE_LIST_FORMAT, or PANE_TICK_FORMAT (for tests and fakes). */
export const renderPaneListing = (panes: readonly PaneObservation[], format: PaneListingFormat = "full"): Buffer => {
  const text = (value: string) => `${Buffer.byteLength(value, "utf8")}\t${value}`;
  const rows = panes.map(
    (pane) =>
      [
        pane.paneId,
        pane.windowIndex,
        pane.pid ?? "",
        pane.dead ? "1" : "0",
        Math.floor(pane.lastActivityAt / 1000),
        pane.width ?? "",
        pane.height ?? "",
        pane.tmuxServer?.pid ?? "",
        pane.tmuxServer === undefined ? "" : Math.floor(pane.tmuxServer.startedAt / 1000),
        text(pane.session),
        text(pane.windowName),
        text(pane.title),
        ...(format === "full" ? [text(pane.command), text(pane.startCommand ?? "")] : []),
        text(pane.declaredAgent ?? ""),
      ].join("\t") + "\n",
  );
  return Buffer.from(rows.join(""), "utf8");
};
