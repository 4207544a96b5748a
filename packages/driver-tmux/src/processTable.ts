/**
 * The machine's process table, read in one pass: what agent detection needs
 * (the argv of each pane's process tree) and what ending a pane needs (pid,
 * parent, session, start time).
 *
 * Guarantees:
 * - one snapshot is one pass: on Linux a read of `/proc/<pid>/stat` per
 *   process (and `cmdline` only for processes not seen before: argv is
 *   remembered per pid, start time and name, so an `exec` is noticed);
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

/** One snapshot of the process table. */
export interface ProcessTable {
  readonly byPid: ReadonlyMap<number, PaneProcess>;
  readonly childrenOf: ReadonlyMap<number, readonly number[]>;
}

/** Where the table comes from: `/proc` (Linux) or one `ps` call. */
export type ProcessSource = "proc" | "ps";

/** Takes snapshots of the process table (see the module header). */
export interface ProcessTableReader {
  readonly source: ProcessSource;
  snapshot(): Promise<E.Either<ProcessError, ProcessTable>>;
  /** The start time of `pid` now, or null when it is gone (one small read on Linux). */
  startTimeOf(pid: number): Promise<string | null>;
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

const withChildren = (byPid: Map<number, PaneProcess>): ProcessTable => {
  const childrenOf = new Map<number, number[]>();
  for (const process of byPid.values()) {
    const siblings = childrenOf.get(process.parentPid);
    if (siblings === undefined) childrenOf.set(process.parentPid, [process.pid]);
    else siblings.push(process.pid);
  }
  for (const children of childrenOf.values()) children.sort((a, b) => a - b);
  return { byPid, childrenOf };
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
  readonly startTime: string;
}

/** Pure: the fields of `/proc/<pid>/stat` this module needs; null when malformed. */
export const parseProcStat = (text: string): StatLine | null => {
  // The name is in parentheses and may itself contain spaces and parentheses: cut at the last ')'.
  const open = text.indexOf("(");
  const close = text.lastIndexOf(")");
  if (open === -1 || close < open) return null;
  const fields = text.slice(close + 2).split(" ");
  // After the name: state(0) ppid(1) pgrp(2) session(3) … starttime(19).
  const parentPid = Number(fields[1]);
  const sessionId = Number(fields[3]);
  const startTime = fields[19];
  if (!Number.isInteger(parentPid) || !Number.isInteger(sessionId) || !startTime || !/^\d+$/.test(startTime))
    return null;
  return { comm: text.slice(open + 1, close), state: fields[0] ?? "", parentPid, sessionId, startTime };
};

/** Pure: NUL-separated `/proc/<pid>/cmdline` → argv. */
export const parseCmdline = (text: string): string[] => {
  const words = text.split("\u0000");
  if (words.length > 0 && words[words.length - 1] === "") words.pop();
  return words;
};

const createProcReader = (root: string): ProcessTableReader => {
  // argv per pid + start time + name: a process that execs keeps pid and start time but changes name.
  let argvCache = new Map<string, string[]>();
  return {
    source: "proc",
    async snapshot() {
      let entries: string[];
      try {
        entries = readdirSync(root);
      } catch (error) {
        return E.left(failed(`cannot read ${root}: ${error instanceof Error ? error.message : String(error)}`));
      }
      const byPid = new Map<number, PaneProcess>();
      const nextCache = new Map<string, string[]>();
      for (const entry of entries) {
        const first = entry.charCodeAt(0);
        if (first < 48 || first > 57) continue;
        const stat = readProcFile(`${root}/${entry}/stat`, "latin1");
        if (stat === null) continue;
        const parsed = parseProcStat(stat);
        if (parsed === null || parsed.state === "Z") continue;
        const pid = Number(entry);
        const key = `${pid}:${parsed.startTime}:${parsed.comm}`;
        let argv = argvCache.get(key);
        if (argv === undefined) {
          const cmdline = readProcFile(`${root}/${entry}/cmdline`, "utf8");
          if (cmdline === null) continue;
          const words = parseCmdline(cmdline);
          // Kernel threads and zombies have no argv: their name stands in.
          argv = boundedArgv(words.length > 0 ? words : [parsed.comm]);
        }
        nextCache.set(key, argv);
        byPid.set(pid, {
          pid,
          parentPid: parsed.parentPid,
          sessionId: parsed.sessionId,
          startTime: parsed.startTime,
          argv,
        });
      }
      argvCache = nextCache;
      return E.right(withChildren(byPid));
    },
    async startTimeOf(pid) {
      const stat = readProcFile(`${root}/${pid}/stat`, "latin1");
      if (stat === null) return null;
      const parsed = parseProcStat(stat);
      // A zombie has exited: it is not alive for anyone who wants it gone.
      return parsed === null || parsed.state === "Z" ? null : parsed.startTime;
    },
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
export const createProcessTableReader = (options: { source?: ProcessSource; procRoot?: string } = {}) => {
  const procRoot = options.procRoot ?? "/proc";
  const source = options.source ?? (existsSync(`${procRoot}/self/stat`) ? "proc" : "ps");
  return source === "proc" ? createProcReader(procRoot) : createPsReader();
};
