/**
 * Pure reading of a control-mode client's output (`tmux -C`), byte by byte,
 * into notifications and command replies — framing that content cannot break.
 *
 * tmux escapes pane output in `%output` lines, but prints a command's output
 * inside `%begin`/`%end` raw: a window name, a process name or a screen line
 * may itself read `%end 1700000000 12 1`. So every command is written
 * followed by a sentinel line (`display-message -p <sentinel>`, a fresh
 * unguessable value), and a reply is read as the whole stretch from the
 * command's `%begin` up to its sentinel. Inside it, the command's real
 * `%end`/`%error` is the last one carrying the command's number before the
 * sentinel's own `%begin`: everything the command printed comes before its
 * real end, so a forged end line can only appear earlier. Lines between the
 * real end and the sentinel's block are notifications.
 *
 * Guarantees: replies come out in the order commands were written, each
 * with its exact bytes (lines joined by `\n`, a final `\n` when not empty,
 * as a spawned client prints them); notifications are lines outside any
 * block. Anything that does not fit this shape is a `desync`: the caller
 * must drop the connection, since no later reply could be trusted.
 * Does not: write anything, time out, or know which command is which.
 */

/** What the reader makes of the bytes: a notification line, a command's reply, or lost framing. */
export type ControlModeOutput =
  | { readonly type: "notification"; readonly line: string }
  | { readonly type: "reply"; readonly body: Buffer; readonly failed: boolean }
  | { readonly type: "desync"; readonly reason: string };

/** Reads one connection's output: announce each command's sentinel with `expect`, feed bytes with `push`. */
export interface ControlModeReader {
  /** Announces the sentinel line that follows the next command written (in write order). */
  expect(sentinel: string): void;
  /** Feeds bytes as they arrive; returns what they completed. */
  push(chunk: Buffer): ControlModeOutput[];
}

const NEWLINE = 0x0a;
const PERCENT = 0x25;

interface Guard {
  readonly kind: "begin" | "end" | "error";
  readonly number: string;
  readonly fromThisClient: boolean;
}

/** `%begin|%end|%error <time> <number> <flags>`, else null. */
const readGuard = (line: Buffer): Guard | null => {
  if (line.length < 6 || line[0] !== PERCENT) return null;
  const [keyword, time, number, flags, ...rest] = line.toString("latin1").split(" ");
  if (rest.length > 0 || time === undefined || number === undefined || flags === undefined) return null;
  if (!/^\d+$/.test(time) || !/^\d+$/.test(number) || !/^\d+$/.test(flags)) return null;
  const kind = keyword === "%begin" ? "begin" : keyword === "%end" ? "end" : keyword === "%error" ? "error" : null;
  return kind === null ? null : { kind, number, fromThisClient: (Number(flags) & 1) === 1 };
};

const joinLines = (lines: readonly Buffer[]): Buffer => {
  if (lines.length === 0) return Buffer.alloc(0);
  const parts: Buffer[] = [];
  for (const line of lines) parts.push(line, NEWLINE_BUFFER);
  return Buffer.concat(parts);
};
const NEWLINE_BUFFER = Buffer.from("\n");

/** Pure state machine; one per connection. */
export const createControlModeReader = (): ControlModeReader => {
  const sentinels: Buffer[] = [];
  let carry: Buffer | null = null;
  let state: "top" | "foreign" | "reply" | "sentinel-end" | "desynced" = "top";
  let region: Buffer[] = [];
  let desynced = false;

  /** Splits the stretch `%begin A` … sentinel into the reply and the notifications around it. */
  const closeRegion = (out: ControlModeOutput[]): void => {
    const lines = region;
    region = [];
    const begin = readGuard(lines[0]!);
    const sentinelBegin = lines.length >= 3 ? readGuard(lines[lines.length - 2]!) : null;
    if (begin === null || sentinelBegin?.kind !== "begin") {
      desync(out, "a reply did not end with the sentinel's block");
      return;
    }
    let end = -1;
    for (let index = lines.length - 3; index >= 1; index--) {
      const guard = readGuard(lines[index]!);
      if (guard !== null && guard.kind !== "begin" && guard.number === begin.number) {
        end = index;
        break;
      }
    }
    if (end === -1) {
      desync(out, `no end for command ${begin.number}`);
      return;
    }
    out.push({ type: "reply", body: joinLines(lines.slice(1, end)), failed: readGuard(lines[end]!)?.kind === "error" });
    let foreign = false;
    for (const line of lines.slice(end + 1, -2)) {
      const guard = readGuard(line);
      if (guard?.kind === "begin") foreign = true;
      else if (guard !== null) foreign = false;
      else if (!foreign) out.push({ type: "notification", line: line.toString("utf8") });
    }
  };

  const desync = (out: ControlModeOutput[], reason: string): void => {
    state = "desynced";
    desynced = true;
    out.push({ type: "desync", reason });
  };

  const onLine = (line: Buffer, out: ControlModeOutput[]): void => {
    switch (state) {
      case "top": {
        const guard = readGuard(line);
        if (guard === null) out.push({ type: "notification", line: line.toString("utf8") });
        else if (guard.kind !== "begin") desync(out, `${guard.kind} outside a block`);
        else if (!guard.fromThisClient) state = "foreign";
        else if (sentinels.length === 0) desync(out, "a reply to no command");
        else {
          state = "reply";
          region = [line];
        }
        return;
      }
      case "foreign": {
        const guard = readGuard(line);
        if (guard !== null && guard.kind !== "begin") state = "top";
        return;
      }
      case "reply":
        region.push(line);
        if (line.equals(sentinels[0]!)) {
          sentinels.shift();
          state = "sentinel-end";
          closeRegion(out);
        }
        return;
      case "sentinel-end": {
        const guard = readGuard(line);
        if (guard === null || guard.kind === "begin") desync(out, "the sentinel's block did not end");
        else state = "top";
        return;
      }
      default:
        return;
    }
  };

  return {
    expect(sentinel) {
      sentinels.push(Buffer.from(sentinel, "latin1"));
    },
    push(chunk) {
      const out: ControlModeOutput[] = [];
      if (desynced) return out;
      const data: Buffer = carry === null ? chunk : Buffer.concat([carry, chunk]);
      let start = 0;
      for (;;) {
        const newline = data.indexOf(NEWLINE, start);
        if (newline === -1) break;
        onLine(data.subarray(start, newline), out);
        start = newline + 1;
        if (desynced) break;
      }
      carry = start < data.length ? Buffer.from(data.subarray(start)) : null;
      return out;
    },
  };
};
