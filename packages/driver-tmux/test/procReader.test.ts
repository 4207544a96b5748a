/**
 * The `/proc` reader kept across ticks: stat files stay open between
 * snapshots (a re-read costs a fraction of a fresh open), an unchanged
 * process is the same row object, an exec or an exit is seen at the next
 * snapshot, and what it keeps open is bounded and released.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync } from "node:fs";
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
const openFiles = () => readdirSync("/proc/self/fd").length;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const snapshot = async (reader: ReturnType<typeof createProcessTableReader>) => {
  const table = await reader.snapshot();
  if (E.isLeft(table)) throw new Error(table.left.message);
  return table.right;
};

describe.runIf(process.platform === "linux")("the /proc reader kept across ticks", () => {
  it("an unchanged process is the same row; an exec is read again; an exit is gone", async () => {
    const reader = createProcessTableReader({ source: "proc" });
    try {
      const pid = start("exec sleep 30");
      await sleep(100);
      const first = (await snapshot(reader)).byPid.get(pid);
      expect(first?.argv).toEqual(["sleep", "30"]);
      const second = (await snapshot(reader)).byPid.get(pid);
      expect(second).toBe(first);

      const execer = start("sleep 0.3; exec sleep 31");
      await sleep(100);
      expect((await snapshot(reader)).byPid.get(execer)?.argv).toEqual(["/bin/sh", "-c", "sleep 0.3; exec sleep 31"]);
      await sleep(500);
      expect((await snapshot(reader)).byPid.get(execer)?.argv).toEqual(["sleep", "31"]);

      process.kill(pid, "SIGKILL");
      for (let waited = 0; (await snapshot(reader)).byPid.has(pid) && waited < 3_000; waited += 50) await sleep(50);
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
      await sleep(100);
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
