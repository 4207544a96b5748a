/**
 * The machine's process table, read in one pass: what agent detection needs
 * (the argv of each pane's process tree) and what ending a pane needs (pid,
 * parent, session, start time).
 *
 * Guarantees:
 * - one snapshot is one pass: on Linux a read of `/proc/<pid>/stat` per
 *   process (or of its name file while it has no children), kept open
 *   between snapshots (see createProcReader), and
 *   `cmdline` only for processes not seen before: argv is remembered per
 *   pid, start time and name, so an `exec` is noticed;
 *   elsewhere one `ps -ww` call, whose argv is exact only as far as ps
 *   allows (see splitPsArgs). Never one process per pane.
 * - a process is identified by pid and start time, so a reused pid is
 *   never mistaken for the process it replaced;
 * - never throws: a failed read is a `ProcessReadFailed` value; a process
 *   that exits during the pass is simply absent.
 * Does not: decide which processes belong to an agent, or signal anything
 * (processDriver.ts).
 */
import { execFile } from "node:child_process";
import { closeSync, existsSync, openSync, readdirSync, readSync } from "node:fs";
import { PANE_PROCESS_LIMITS, type PaneProcess, type ProcessError } from "@first-mate/core";
import * as E from "fp-ts/lib/Either.js";

/**
 * One snapshot of the process table. Never changed once made: a reader
 * returns the same table object again only while nothing in it changed
 * (the tree attacher and the pane command cache rely on that).
 */
export interface ProcessTable {
  readonly byPid: ReadonlyMap<number, PaneProcess>;
  readonly childrenOf: ReadonlyMap<number, readonly number[]>;
  /**
   * Each process's terminal's foreground process group (`tpgid`; -1 without
   * a terminal), where the source tells it (`/proc`). A pane whose tree and
   * foreground group did not change still runs the same current command.
   */
  readonly foregroundGroupOf?: ReadonlyMap<number, number>;
}

/** Where the table comes from: `/proc` (Linux) or one `ps` call. */
export type ProcessSource = "proc" | "ps";

/** Takes snapshots of the process table (see the module header). */
export interface ProcessTableReader {
  readonly source: ProcessSource;
  snapshot(): Promise<E.Either<ProcessError, ProcessTable>>;
  /** The start time of `pid` now, or null when it is gone (one small read on Linux). */
  startTimeOf(pid: number): Promise<string | null>;
  /** Releases what the reader keeps between snapshots (open `/proc` files); it may be used again after. */
  close?(): void;
}

const failed = (message: string): ProcessError => ({ _tag: "ProcessReadFailed", message });

/** `root` and its descendants, breadth first, at most `limit`. */
export const treeOf = (table: ProcessTable, root: number, limit = Number.POSITIVE_INFINITY): PaneProcess[] => {
  const first = table.byPid.get(root);
  if (first === undefined) return [];
  const tree: PaneProcess[] = [first];
  for (let index = 0; index < tree.length && tree.length < limit; index++) {
    for (const child of table.childrenOf.get(tree[index]!.pid) ?? []) {
      const process = table.byPid.get(child);
      if (process !== undefined && tree.length < limit) tree.push(process);
    }
  }
  return tree;
};

/** argv cut to the observation's bounds. */
const boundedArgv = (argv: readonly string[]): string[] =>
  argv
    .slice(0, PANE_PROCESS_LIMITS.words)
    .map((word) =>
      word.length > PANE_PROCESS_LIMITS.wordLength ? word.slice(0, PANE_PROCESS_LIMITS.wordLength) : word,
    );

const withChildren = (
  byPid: Map<number, PaneProcess>,
  foregroundGroupOf?: ReadonlyMap<number, number>,
): ProcessTable => {
  const childrenOf = new Map<number, number[]>();
  for (const process of byPid.values()) {
    const siblings = childrenOf.get(process.parentPid);
    if (siblings === undefined) childrenOf.set(process.parentPid, [process.pid]);
    else siblings.push(process.pid);
  }
  for (const children of childrenOf.values()) children.sort((a, b) => a - b);
  return foregroundGroupOf === undefined ? { byPid, childrenOf } : { byPid, childrenOf, foregroundGroupOf };
};

// ---- Linux: /proc ---------------------------------------------------------

const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);
const CMDLINE_LIMIT = 64 * 1024;

/**
 * Reads a procfs file with one read (stat fits in one; cmdline is cut at
 * 64 KiB) into a shared buffer: one open, one read, one close per file.
 * Returns the text, or null when it cannot (the process exited).
 */
const readProcFile = (path: string, encoding: "latin1" | "utf8"): string | null => {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return null;
  }
  try {
    const read = readSync(fd, READ_BUFFER, 0, CMDLINE_LIMIT, 0);
    return READ_BUFFER.toString(encoding, 0, read);
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
};

interface StatLine {
  readonly comm: string;
  /** One letter: R, S, D, Z (zombie: exited, not yet reaped)… */
  readonly state: string;
  readonly parentPid: number;
  readonly sessionId: number;
  /** The terminal's foreground process group, -1 without one. */
  readonly tpgid: number;
  readonly startTime: string;
}

/** Pure: the fields of `/proc/<pid>/stat` this module needs; null when malformed. */
export const parseProcStat = (text: string): StatLine | null => {
  // The name is in parentheses and may itself contain spaces and parentheses: cut at the last ')'.
  const open = text.indexOf("(");
  const close = text.lastIndexOf(")");
  if (open === -1 || close < open) return null;
  const fields = text.slice(close + 2).split(" ");
  // After the name: state(0) ppid(1) pgrp(2) session(3) tty_nr(4) tpgid(5) … starttime(19).
  const parentPid = Number(fields[1]);
  const sessionId = Number(fields[3]);
  const tpgid = /^(-1|\d+)$/.test(fields[5] ?? "") ? Number(fields[5]) : Number.NaN;
  const startTime = fields[19];
  if (
    !Number.isInteger(parentPid) ||
    !Number.isInteger(sessionId) ||
    !Number.isInteger(tpgid) ||
    !startTime ||
    !/^\d+$/.test(startTime)
  )
    return null;
  return { comm: text.slice(open + 1, close), state: fields[0] ?? "", parentPid, sessionId, tpgid, startTime };
};

/** Pure: NUL-separated `/proc/<pid>/cmdline` → argv. */
export const parseCmdline = (text: string): string[] => {
  const words = text.split("\u0000");
  if (words.length > 0 && words[words.length - 1] === "") words.pop();
  return words;
};

/**
 * How many `/proc` files a reader keeps open between snapshots (see
 * createProcReader): each process's stat file, and the name file of each
 * process without children, so 2048 processes with both.
 */
export const DEFAULT_KEPT_STAT_FILES = 4096;

/** A process read by its name alone is read in full at least once in this many snapshots (see createProcReader). */
export const DEFAULT_FULL_READ_EVERY = 10;

const SPACE = 0x20;
const NEWLINE = 0x0a;
const OPEN_PAREN = 0x28;
const CLOSE_PAREN = 0x29;
const ZOMBIE = 0x5a;

/** What a reader remembers of a process between snapshots (its own, changed in place). */
interface KnownProcess {
  /** Its stat file, kept open (null: over the limit, opened afresh each time). */
  fd: number | null;
  /** Its name file (`comm`), kept open while it has no children (null: none). */
  nameFd: number | null;
  /** Its name file once read otherwise than its stat line names it: never read by name again. */
  nameUnreadable: boolean;
  /** Snapshots left that may read it by its name alone before a full read. */
  nameReadsLeft: number;
  /** Its name's bytes and start time, to notice an exec or a reused pid. */
  readonly comm: Buffer;
  readonly start: number;
  /** Its terminal's foreground process group when last read in full. */
  tpgid: number;
  /** The row last returned, returned again while nothing in it changed. */
  process: PaneProcess;
}

/** Reads a kept-open procfs file from its start into READ_BUFFER: its length, or -1 once the process is gone. */
const reread = (fd: number): number => {
  try {
    return readSync(fd, READ_BUFFER, 0, CMDLINE_LIMIT, 0);
  } catch {
    return -1;
  }
};

const closeQuietly = (fd: number): void => {
  try {
    closeSync(fd);
  } catch {
    // Already closed: nothing to release.
  }
};

/**
 * `/proc` read in one pass per snapshot, cheaply enough for every tick.
 *
 * A stat file is kept open between snapshots and read again from its start:
 * the kernel's first read of a freshly opened procfs file costs several
 * times a re-read, and an open file names one process for good, so a pid
 * reused by another process reads as gone (ESRCH) rather than as the old
 * one.
 *
 * A process that had no children at the last snapshot is read by its name
 * file (`comm`, about a third of the kernel's cost of a stat line) instead,
 * kept open the same way: that read tells it is the same process (an open
 * file names one process) under the same name (an exec that changes the
 * name is read in full). Its parent, session and terminal's foreground
 * group are kept from its last full read, which holds because
 * - its parent changes only when the parent exits, so a process whose
 *   parent is gone, or is another process, is read in full in the same
 *   snapshot;
 * - the terminal's foreground group moves by job control, which needs
 *   children (a child started is a new process, and its parent is read in
 *   full from the next snapshot);
 * - anything else (a `setsid` without exec, a zombie not reaped yet) is
 *   seen at its next full read: every process is read in full at least
 *   once in `fullReadEvery` snapshots, spread over them by pid.
 *
 * At most `keptLimit` files stay open; past it, or after the process ran
 * out of descriptors once (the limit then drops to a quarter of what it
 * held), files are opened and closed per read, always in full. A process
 * whose row did not change is returned as the same object, and an
 * unchanged table as the same table, so a quiet machine costs little
 * garbage.
 */
const createProcReader = (root: string, keptLimit: number, fullReadEvery: number): ProcessTableReader => {
  let known = new Map<number, KnownProcess>();
  let kept = 0;
  let limit = keptLimit;
  let previous: ProcessTable | null = null;

  /** Closes what `entry` keeps open. */
  const release = (entry: KnownProcess) => {
    if (entry.fd !== null) {
      closeQuietly(entry.fd);
      entry.fd = null;
      kept -= 1;
    }
    if (entry.nameFd !== null) {
      closeQuietly(entry.nameFd);
      entry.nameFd = null;
      kept -= 1;
    }
  };
  /** Opens and reads a stat file; keeps it open while under the limit. */
  const openStat = (pid: number, pending: Iterable<KnownProcess>): { fd: number | null; length: number } | null => {
    let fd: number;
    try {
      fd = openSync(`${root}/${pid}/stat`, "r");
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (code === "EMFILE" || code === "ENFILE") {
        // Descriptors ran out: never hold the host's others hostage. Give back most of what is kept.
        limit = Math.floor(kept / 4);
        for (const entry of known.values()) release(entry);
        for (const entry of pending) release(entry);
      }
      return null;
    }
    const length = reread(fd);
    if (length < 0 || kept >= limit) {
      closeQuietly(fd);
      return length < 0 ? null : { fd: null, length };
    }
    kept += 1;
    return { fd, length };
  };
  /**
   * Opens the name file of a process whose stat file is kept open. The stat
   * file read after the open proves the process outlived it, so the name
   * file names the same process, not one that took its pid since.
   */
  const openName = (pid: number, entry: KnownProcess): void => {
    if (entry.fd === null || kept >= limit || fullReadEvery === 1) return;
    let nameFd: number;
    try {
      nameFd = openSync(`${root}/${pid}/comm`, "r");
    } catch {
      return;
    }
    if (reread(entry.fd) < 0) {
      closeQuietly(nameFd);
      return;
    }
    entry.nameFd = nameFd;
    kept += 1;
    // Spread the full reads of processes first seen together over the snapshots.
    entry.nameReadsLeft = pid % fullReadEvery;
  };
  /** 1: the same process under the same name; 0: another name; -1: gone. */
  const readName = (entry: KnownProcess): 1 | 0 | -1 => {
    let length: number;
    try {
      length = readSync(entry.nameFd!, READ_BUFFER, 0, 64, 0);
    } catch {
      return -1;
    }
    const name = entry.comm;
    if (length !== name.length + 1 || READ_BUFFER[name.length] !== NEWLINE) return 0;
    // A name is at most 64 bytes: a loop costs less than a call into Buffer.compare.
    for (let index = 0; index < name.length; index++) if (READ_BUFFER[index] !== name[index]) return 0;
    return 1;
  };

  return {
    source: "proc",
    async snapshot() {
      let entries: string[];
      try {
        entries = readdirSync(root);
      } catch (error) {
        return E.left(failed(`cannot read ${root}: ${error instanceof Error ? error.message : String(error)}`));
      }
      const next = new Map<number, KnownProcess>();
      const byPid = new Map<number, PaneProcess>();
      const foregroundGroupOf = new Map<number, number>();
      const parents = previous?.childrenOf;
      /** Processes read by name this pass, and pids that are another process than last time. */
      const readByName: KnownProcess[] = [];
      const renewed = new Set<number>();
      let changed = false;

      /** Reads `pid` in full (`prior`: what was known of that pid); null when it is gone or a zombie. */
      const readInFull = (pid: number, prior: KnownProcess | undefined, nameDiffered: boolean): KnownProcess | null => {
        let fd: number | null = null;
        let length = -1;
        if (prior?.fd != null) {
          length = reread(prior.fd);
          if (length >= 0) fd = prior.fd;
          else {
            // Gone, and any process now under this pid is another one.
            release(prior);
            prior = undefined;
          }
        }
        if (length < 0) {
          const opened = openStat(pid, next.values());
          if (opened === null) {
            if (prior !== undefined) release(prior);
            return null;
          }
          fd = opened.fd;
          length = opened.length;
        }
        const row = readStatRow(READ_BUFFER, length);
        if (row === null || row.zombie) {
          if (fd !== null && fd !== prior?.fd) {
            closeQuietly(fd);
            kept -= 1;
          }
          if (prior !== undefined) release(prior);
          return null;
        }
        const commBytes = READ_BUFFER.subarray(row.commStart, row.commEnd);
        // Same name and start time: the same program in the same process (a reused pid has another start).
        const same = prior !== undefined && prior.start === row.start && prior.comm.equals(commBytes);
        if (!same) {
          renewed.add(pid);
          if (prior !== undefined && prior.fd !== fd) release(prior);
          else if (prior?.nameFd != null) {
            closeQuietly(prior.nameFd);
            prior.nameFd = null;
            kept -= 1;
          }
        }
        // A copy: reading cmdline below reuses the buffer the name is in.
        const comm = same ? prior!.comm : Buffer.from(commBytes);
        let process: PaneProcess;
        if (same && prior!.process.parentPid === row.parentPid && prior!.process.sessionId === row.sessionId) {
          process = prior!.process;
        } else {
          let argv = same ? prior!.process.argv : undefined;
          if (argv === undefined) {
            const cmdline = readProcFile(`${root}/${pid}/cmdline`, "utf8");
            if (cmdline === null) {
              if (fd !== null && fd !== prior?.fd) {
                closeQuietly(fd);
                kept -= 1;
              }
              if (prior !== undefined) release(prior);
              return null;
            }
            const words = parseCmdline(cmdline);
            // Kernel threads and zombies have no argv: their name stands in.
            argv = boundedArgv(words.length > 0 ? words : [comm.toString("latin1")]);
          }
          process = {
            pid,
            parentPid: row.parentPid,
            sessionId: row.sessionId,
            startTime: String(row.start),
            argv,
          };
          changed = true;
        }
        if (prior === undefined || prior.tpgid !== row.tpgid) changed = true;
        if (!same) {
          return {
            fd,
            nameFd: null,
            nameUnreadable: false,
            nameReadsLeft: 0,
            comm,
            start: row.start,
            tpgid: row.tpgid,
            process,
          };
        }
        const entry = prior!;
        entry.fd = fd;
        entry.tpgid = row.tpgid;
        entry.process = process;
        // A process that had children is read in full once more: a shell takes the terminal back just after its job ends.
        entry.nameReadsLeft = parents?.has(pid) === true ? 0 : fullReadEvery - 1;
        if (nameDiffered && entry.nameFd !== null) {
          // The name file and the stat line disagree on the same program's name: read this one in full from now on.
          closeQuietly(entry.nameFd);
          entry.nameFd = null;
          entry.nameUnreadable = true;
          kept -= 1;
        } else if (entry.nameFd === null && !entry.nameUnreadable && parents?.has(pid) !== true) openName(pid, entry);
        return entry;
      };

      for (const name of entries) {
        const first = name.charCodeAt(0);
        if (first < 48 || first > 57) continue;
        const pid = Number(name);
        let prior = known.get(pid);
        const wasKnown = prior !== undefined;
        let nameDiffered = false;
        if (prior !== undefined) {
          known.delete(pid);
          // Over a lowered limit: this one is read afresh from now on.
          if (kept > limit) release(prior);
          if (prior.nameFd !== null && prior.nameReadsLeft > 0 && parents?.has(pid) !== true) {
            const read = readName(prior);
            if (read === 1) {
              prior.nameReadsLeft -= 1;
              readByName.push(prior);
              next.set(pid, prior);
              byPid.set(pid, prior.process);
              foregroundGroupOf.set(pid, prior.tpgid);
              continue;
            }
            if (read === -1) {
              // Gone, and any process now under this pid is another one.
              release(prior);
              prior = undefined;
            } else nameDiffered = true;
          }
        }
        const entry = readInFull(pid, prior, nameDiffered);
        if (entry === null) {
          if (wasKnown) changed = true;
          continue;
        }
        next.set(pid, entry);
        byPid.set(pid, entry.process);
        foregroundGroupOf.set(pid, entry.tpgid);
      }
      // A process read by name whose parent is gone, or is another process, was re-parented: read it in full.
      for (const entry of readByName) {
        const { pid, parentPid } = entry.process;
        if (parentPid === 0 || (byPid.has(parentPid) && !renewed.has(parentPid))) continue;
        const again = readInFull(pid, entry, false);
        if (again === null) {
          next.delete(pid);
          byPid.delete(pid);
          foregroundGroupOf.delete(pid);
          changed = true;
        } else {
          next.set(pid, again);
          byPid.set(pid, again.process);
          foregroundGroupOf.set(pid, again.tpgid);
        }
      }
      // What is left in `known` was not listed: gone.
      for (const entry of known.values()) {
        release(entry);
        changed = true;
      }
      known = next;
      if (!changed && previous !== null && previous.byPid.size === byPid.size) return E.right(previous);
      previous = withChildren(byPid, foregroundGroupOf);
      return E.right(previous);
    },
    async startTimeOf(pid) {
      const stat = readProcFile(`${root}/${pid}/stat`, "latin1");
      if (stat === null) return null;
      const parsed = parseProcStat(stat);
      // A zombie has exited: it is not alive for anyone who wants it gone.
      return parsed === null || parsed.state === "Z" ? null : parsed.startTime;
    },
    close() {
      for (const entry of known.values()) release(entry);
      known = new Map();
      previous = null;
    },
  };
};

/** The fields of a stat line read straight from its bytes (no string is made of it). */
interface StatRow {
  readonly commStart: number;
  readonly commEnd: number;
  readonly zombie: boolean;
  readonly parentPid: number;
  readonly sessionId: number;
  /** The terminal's foreground process group, -1 without one. */
  readonly tpgid: number;
  readonly start: number;
}

/**
 * Pure: `parseProcStat` on bytes: the name's span, whether it is a zombie,
 * parent, session, the terminal's foreground group and start time; null
 * when malformed.
 */
export const readStatRow = (bytes: Buffer, length: number): StatRow | null => {
  const open = bytes.indexOf(OPEN_PAREN);
  const close = bytes.lastIndexOf(CLOSE_PAREN, length - 1);
  if (open === -1 || open >= length || close < open || close + 2 >= length) return null;
  // After the name: state(0) ppid(1) pgrp(2) session(3) tty_nr(4) tpgid(5) … starttime(19).
  let field = 0;
  let value = 0;
  let digits = 0;
  let negative = false;
  let parentPid = -1;
  let sessionId = -1;
  let tpgid = -2;
  let start = -1;
  for (let index = close + 2; index <= length && field <= 19; index++) {
    const byte = index < length ? bytes[index]! : SPACE;
    if (byte === SPACE || byte === 0x0a) {
      if (field === 1) parentPid = digits > 0 ? value : -1;
      else if (field === 3) sessionId = digits > 0 ? value : -1;
      else if (field === 5) tpgid = digits > 0 ? (negative ? -value : value) : -2;
      else if (field === 19) start = digits > 0 ? value : -1;
      field += 1;
      value = 0;
      digits = 0;
      negative = false;
    } else if (byte >= 48 && byte <= 57) {
      value = value * 10 + (byte - 48);
      digits += 1;
    } else if (field === 5 && byte === 0x2d && digits === 0 && !negative) {
      negative = true;
    } else if (field !== 0) {
      // A signed or odd field: only the ones read here must be plain numbers.
      if (field === 1 || field === 3 || field === 5 || field === 19) return null;
    }
  }
  if (parentPid < 0 || sessionId < 0 || tpgid < -1 || start < 0) return null;
  return {
    commStart: open + 1,
    commEnd: close,
    zombie: bytes[close + 2] === ZOMBIE,
    parentPid,
    sessionId,
    tpgid,
    start,
  };
};

// ---- elsewhere: one `ps` call ----------------------------------------------

// -ww: never cut `args` to a width (BSD ps cuts it to the terminal's, procps to $COLUMNS when set).
const PS_ARGS = [
  "-ww",
  "-A",
  "-o",
  "pid=",
  "-o",
  "ppid=",
  "-o",
  "sess=",
  "-o",
  "lstart=",
  "-o",
  "state=",
  "-o",
  "args=",
];
const PS_LINE = /^\s*(\d+)\s+(\d+)\s+(\S+)\s+(\w{3}\s+\w{3}\s+\d+\s+[\d:]+\s+\d{4})\s+(\S+)\s+(.*)$/;

/** How many words a path with spaces may span when it is joined back (see splitPsArgs). */
const PATH_WORDS_MAX = 8;

/**
 * Pure: the `args` column of ps → argv, as far as ps allows. ps prints argv
 * joined by single spaces, so word boundaries inside an argument are lost.
 * Paths are what detection reads (the program, the script an interpreter
 * runs), so words that together name an existing absolute path
 * (`pathExists`, e.g. "/Users/Jo Doe/.npm/bin/gemini") are joined back, the
 * longest first. The limit: any other argument with spaces (a prompt, a
 * quoted option value) stays split, and an argv that really was two words
 * which happen to join into an existing path is read as one.
 */
export const splitPsArgs = (args: string, pathExists: (path: string) => boolean = () => false): string[] => {
  const words = args.split(" ").filter((word) => word !== "");
  const argv: string[] = [];
  for (let index = 0; index < words.length; index++) {
    let word = words[index]!;
    if (word.startsWith("/")) {
      for (let last = Math.min(words.length - 1, index + PATH_WORDS_MAX - 1); last > index; last--) {
        const joined = words.slice(index, last + 1).join(" ");
        if (pathExists(joined)) {
          word = joined;
          index = last;
          break;
        }
      }
    }
    argv.push(word);
  }
  return argv;
};

/**
 * Pure: one `ps -ww -A -o pid=,ppid=,sess=,lstart=,state=,args=` output →
 * rows. `args` becomes argv through {@link splitPsArgs} (paths with spaces
 * joined back where `pathExists` says they exist).
 */
export const parsePsOutput = (output: string, pathExists?: (path: string) => boolean): PaneProcess[] => {
  const rows: PaneProcess[] = [];
  for (const line of output.split("\n")) {
    const match = PS_LINE.exec(line);
    if (match === null) continue;
    const [, pid, parentPid, session, started, state, args] = match as unknown as [string, ...string[]];
    if (state?.startsWith("Z")) continue;
    const sessionId = /^\d+$/.test(session ?? "") ? Number(session) : Number.parseInt(session ?? "0", 16) || 0;
    rows.push({
      pid: Number(pid),
      parentPid: Number(parentPid),
      sessionId,
      startTime: (started ?? "").replace(/\s+/g, " "),
      argv: boundedArgv(splitPsArgs(args ?? "", pathExists)),
    });
  }
  return rows;
};

const runPs = (args: readonly string[]): Promise<E.Either<ProcessError, string>> =>
  new Promise((resolve) => {
    const { COLUMNS: _columns, ...env } = process.env;
    execFile("ps", [...args], { maxBuffer: 64 * 1024 * 1024, env: { ...env, LC_ALL: "C" } }, (error, stdout) => {
      // ps exits 1 when a -p pid matches nothing: that is an empty answer, not a failure.
      if (error && stdout === "" && (error as { code?: unknown }).code !== 1)
        resolve(E.left(failed(`ps failed: ${error.message}`)));
      else resolve(E.right(stdout));
    });
  });

const createPsReader = (): ProcessTableReader => {
  // Whether a joined path exists, remembered from one snapshot to the next (a script path rarely comes and goes).
  let known = new Map<string, boolean>();
  return {
    source: "ps",
    async snapshot() {
      const output = await runPs(PS_ARGS);
      if (E.isLeft(output)) return output;
      const next = new Map<string, boolean>();
      const pathExists = (path: string) => {
        const exists = known.get(path) ?? existsSync(path);
        next.set(path, exists);
        return exists;
      };
      const rows = parsePsOutput(output.right, pathExists);
      known = next;
      return E.right(withChildren(new Map(rows.map((row) => [row.pid, row]))));
    },
    async startTimeOf(pid) {
      const output = await runPs(["-ww", "-p", String(pid), ...PS_ARGS.slice(2)]);
      if (E.isLeft(output)) return null;
      return parsePsOutput(output.right).find((row) => row.pid === pid)?.startTime ?? null;
    },
  };
};

/**
 * A reader for this machine: `/proc` where it exists (Linux), else `ps`.
 * `source` forces one (tests run the `ps` reader on Linux too).
 */
export const createProcessTableReader = (
  options: {
    source?: ProcessSource;
    procRoot?: string;
    /** `/proc` files kept open between snapshots (default DEFAULT_KEPT_STAT_FILES; 0: none). */
    keptStatFiles?: number;
    /** A childless process read by name is read in full at least once in this many snapshots (default DEFAULT_FULL_READ_EVERY; 1: always in full). */
    fullReadEvery?: number;
  } = {},
): ProcessTableReader => {
  const procRoot = options.procRoot ?? "/proc";
  const source = options.source ?? (existsSync(`${procRoot}/self/stat`) ? "proc" : "ps");
  return source === "proc"
    ? createProcReader(
        procRoot,
        options.keptStatFiles ?? DEFAULT_KEPT_STAT_FILES,
        Math.max(1, Math.floor(options.fullReadEvery ?? DEFAULT_FULL_READ_EVERY)),
      )
    : createPsReader();
};
