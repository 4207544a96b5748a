/**
 * The `/proc` reader kept across ticks: stat files stay open between
 * snapshots (a re-read costs a fraction of a fresh open), an unchanged
 * process is the same row object, an exec or an exit is seen at the next
 * snapshot, and what it keeps open is bounded and released.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import fc from "fast-check";
import * as E from "fp-ts/lib/Either.js";
import { afterEach, describe, expect, it } from "vitest";
import { createProcessTableReader, parseProcStat, readStatRow } from "../src/processTable.js";

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill("SIGKILL");
});

const start = (command: string): number => {
  const child = spawn("/bin/sh", ["-c", command], { stdio: "ignore" });
  children.push(child);
  if (child.pid === undefined) throw new Error("no pid");
  return child.pid;
};
const orphans: number[] = [];
afterEach(() => {
  for (const pid of orphans.splice(0)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
});
/** The first line a child prints. */
const firstLine = (child: ChildProcess): Promise<string> =>
  new Promise((resolve, reject) => {
    let text = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      text += chunk.toString("utf8");
      if (text.includes("\n")) resolve(text.slice(0, text.indexOf("\n")));
    });
    child.once("exit", () => reject(new Error(`exited before printing a line: ${JSON.stringify(text)}`)));
  });
const stateOf = (pid: number): string | null => {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, "latin1"))?.state ?? null;
  } catch {
    return null;
  }
};
const openFiles = () => readdirSync("/proc/self/fd").length;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const snapshot = async (reader: ReturnType<typeof createProcessTableReader>) => {
  const table = await reader.snapshot();
  if (E.isLeft(table)) throw new Error(table.left.message);
  return table.right;
};

/** Polls until `check` returns a value: a child's exec and exit come on the machine's time, not a fixed one. */
const until = async <T>(check: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(20);
  }
};

/** The row of `pid` once its program is `program` (a spawned child is node's copy until it execs). */
const rowOnce = (reader: ReturnType<typeof createProcessTableReader>, pid: number, program: string) =>
  until(async () => {
    const row = (await snapshot(reader)).byPid.get(pid);
    return row?.argv[0] === program ? row : undefined;
  });

describe.runIf(process.platform === "linux")("the /proc reader kept across ticks", () => {
  it("an unchanged process is the same row; an exec is read again; an exit is gone", async () => {
    const reader = createProcessTableReader({ source: "proc" });
    try {
      const pid = start("exec sleep 30");
      const first = await rowOnce(reader, pid, "sleep");
      expect(first.argv).toEqual(["sleep", "30"]);
      const second = (await snapshot(reader)).byPid.get(pid);
      expect(second).toBe(first);

      // The shell execs only once told to: the reader sees it before and after, whatever the machine's load.
      const shell = spawn("/bin/sh", ["-c", "read line; exec sleep 31"], { stdio: ["pipe", "ignore", "ignore"] });
      children.push(shell);
      const execer = shell.pid!;
      expect((await rowOnce(reader, execer, "/bin/sh")).argv).toEqual(["/bin/sh", "-c", "read line; exec sleep 31"]);
      shell.stdin!.end("exec now\n");
      expect((await rowOnce(reader, execer, "sleep")).argv).toEqual(["sleep", "31"]);
      // Our end of its stdin is closed before the next test counts this process's open files.
      if (!shell.stdin!.closed) await new Promise((resolve) => shell.stdin!.once("close", resolve));

      process.kill(pid, "SIGKILL");
      for (let waited = 0; (await snapshot(reader)).byPid.has(pid) && waited < 20_000; waited += 50) await sleep(50);
      expect((await snapshot(reader)).byPid.has(pid)).toBe(false);
    } finally {
      reader.close?.();
    }
  });

  it("keeps at most its limit of files open, reads the same table with none kept, and close releases them", async () => {
    const baseline = openFiles();
    const bounded = createProcessTableReader({ source: "proc", keptStatFiles: 5 });
    const unbounded = createProcessTableReader({ source: "proc" });
    const none = createProcessTableReader({ source: "proc", keptStatFiles: 0 });
    try {
      const pid = start("exec sleep 30");
      // Exec'd before the readers compare it: its row is then the same in every snapshot.
      await until(async () =>
        readFileSync(`/proc/${pid}/cmdline`, "utf8").startsWith("sleep\u0000") ? true : undefined,
      );
      await snapshot(bounded);
      expect(openFiles() - baseline).toBeLessThanOrEqual(5);
      const kept = await snapshot(unbounded);
      expect(openFiles() - baseline).toBeGreaterThan(5);
      const fresh = await snapshot(none);
      expect(fresh.byPid.get(pid)).toEqual(kept.byPid.get(pid));
      expect(fresh.childrenOf.get(process.pid)).toContain(pid);
    } finally {
      bounded.close?.();
      unbounded.close?.();
      none.close?.();
    }
    expect(openFiles()).toBe(baseline);
  });

  it("a childless process read by its name shows its new parent at the first snapshot after its parent exits", async () => {
    // No periodic full read: only the rule for a parent that is gone can find the new parent.
    const reader = createProcessTableReader({ source: "proc", fullReadEvery: 1_000_000 });
    try {
      const parent = spawn("/bin/sh", ["-c", "sleep 30 & echo $!; read line"], { stdio: ["pipe", "pipe", "ignore"] });
      children.push(parent);
      const orphan = Number(await firstLine(parent));
      orphans.push(orphan);
      // Seen, then read by its name from the next snapshots on.
      for (let pass = 0; pass < 3; pass++)
        expect((await snapshot(reader)).byPid.get(orphan)?.parentPid).toBe(parent.pid);
      const exited = new Promise((resolve) => parent.once("exit", resolve));
      parent.stdin!.end();
      await exited;
      const adoptedBy = parseProcStat(readFileSync(`/proc/${orphan}/stat`, "latin1"))!.parentPid;
      expect(adoptedBy).not.toBe(parent.pid);
      expect((await snapshot(reader)).byPid.get(orphan)?.parentPid).toBe(adoptedBy);
    } finally {
      reader.close?.();
    }
  });

  it("a childless process that exits and is never reaped is gone within fullReadEvery snapshots", async () => {
    const reader = createProcessTableReader({ source: "proc", fullReadEvery: 3 });
    try {
      // The parent execs a program that never reaps: its child stays a zombie.
      const parent = spawn("/bin/sh", ["-c", "sleep 30 & echo $!; exec sleep 60"], {
        stdio: ["ignore", "pipe", "ignore"],
      });
      children.push(parent);
      const child = Number(await firstLine(parent));
      for (let pass = 0; pass < 3; pass++) expect((await snapshot(reader)).byPid.has(child)).toBe(true);
      process.kill(child, "SIGKILL");
      for (let waited = 0; stateOf(child) !== "Z" && waited < 10_000; waited += 20) await sleep(20);
      expect(stateOf(child)).toBe("Z");
      let table = await snapshot(reader);
      for (let pass = 1; pass < 3 && table.byPid.has(child); pass++) table = await snapshot(reader);
      expect(table.byPid.has(child)).toBe(false);
    } finally {
      reader.close?.();
    }
  });

  it("readStatRow reads from the bytes what parseProcStat reads from the text, whatever the name", () => {
    const name = fc.string({ unit: fc.constantFrom("a", " ", "(", ")", "x", "1", ":"), maxLength: 15 });
    const int = fc.nat({ max: 4_000_000 });
    fc.assert(
      fc.property(
        int,
        name,
        fc.constantFrom("R", "S", "D", "Z", "I"),
        int,
        int,
        int,
        fc.nat({ max: 2 ** 40 }),
        fc.oneof(fc.constant(-1), int),
        (pid, comm, state, parent, group, session, started, foreground) => {
          const rest = Array.from({ length: 15 }, (_, index) => (index === 1 ? String(foreground) : String(index)));
          const line = `${pid} (${comm}) ${state} ${parent} ${group} ${session} ${rest.join(" ")} ${started} 1 2 3\n`;
          const bytes = Buffer.from(line, "latin1");
          const row = readStatRow(bytes, bytes.length);
          const parsed = parseProcStat(line);
          expect(row).not.toBeNull();
          expect(parsed).not.toBeNull();
          expect(bytes.toString("latin1", row!.commStart, row!.commEnd)).toBe(parsed!.comm);
          expect(row!.zombie).toBe(parsed!.state === "Z");
          expect([row!.parentPid, row!.sessionId, row!.tpgid, String(row!.start)]).toEqual([
            parsed!.parentPid,
            parsed!.sessionId,
            parsed!.tpgid,
            parsed!.startTime,
          ]);
          expect(row!.tpgid).toBe(foreground);
        },
      ),
      { numRuns: 300 },
    );
  });
});
