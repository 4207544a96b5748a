import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { classifyAgent, type PaneId, processesToEnd } from "@first-mate/core";
import { endPane, runEndLadder } from "@first-mate/core/runtime";
import fc from "fast-check";
import * as E from "fp-ts/lib/Either.js";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  createProcessDriver,
  createProcessTableReader,
  createTmuxDriver,
  parseProcStat,
  parsePsOutput,
  splitPsArgs,
  treeOf,
} from "../src/index.js";
import { type IsolatedTmuxServer, startIsolatedTmuxServer } from "../src/testing/index.js";
import { writePidFile } from "./pidFile.js";

/** Retries `check` until it stops throwing (or the deadline passes, when its last error is thrown). */
const eventually = async <T>(check: () => Promise<T>, timeoutMs = 8000): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
};

const right = <A>(either: E.Either<unknown, A>): A => {
  if (E.isLeft(either)) throw new Error(`expected Right, got ${JSON.stringify(either.left)}`);
  return either.right;
};

let dir: string;
let server: IsolatedTmuxServer | null = null;
/** Every pid a test saw, killed at the end whatever happened. */
const seen = new Set<number>();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "fm-proc-"));
  // Stand-ins shaped like the real agents: a Node wrapper that starts a Node child, both catching SIGHUP
  // (as Gemini CLI 0.61 does), and a Python console script.
  const child = join(dir, "child.js");
  await writeFile(
    child,
    `process.on('SIGHUP', () => {}); ${writePidFile(join(dir, "pids-"), "String(process.pid)", true)} setInterval(() => {}, 1e6);\n`,
  );
  const gemini = join(dir, "node_modules", ".bin", "gemini");
  await mkdir(join(dir, "node_modules", ".bin"), { recursive: true });
  await writeFile(
    gemini,
    [
      "#!/usr/bin/env node",
      "process.on('SIGHUP', () => {});",
      `const { spawn } = require('node:child_process');`,
      `spawn(process.execPath, ['--max-old-space-size=64', ${JSON.stringify(child)}], { stdio: 'inherit' });`,
      // A daemon detached into its own session, like Codex's app-server: not the pane's to end.
      `const daemon = spawn('sleep', ['3600'], { stdio: 'ignore', detached: true }); daemon.unref();`,
      // The test's cleanup ends these by pid, whatever the test did.
      writePidFile(join(dir, "pids-"), "[process.pid, daemon.pid].join(' ')", true),
      "setInterval(() => {}, 1e6);",
    ].join("\n"),
  );
  await chmod(gemini, 0o755);
  const aider = join(dir, "aider");
  await writeFile(aider, "#!/usr/bin/env python3\nimport time\ntime.sleep(3600)\n");
  await chmod(aider, 0o755);
});

afterEach(async () => {
  await server?.stop();
  server = null;
  for (const pid of seen) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Already gone: what the tests want.
    }
  }
  seen.clear();
  for (const file of await readdir(dir)) {
    if (!file.startsWith("pids-")) continue;
    // Never 0 (that would signal the test's own process group) or NaN.
    const pids = (await readFile(join(dir, file), "utf8")).split(" ").map(Number);
    for (const pid of pids.filter((candidate) => Number.isInteger(candidate) && candidate > 0)) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
    await rm(join(dir, file));
  }
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("the process table", () => {
  it("parseProcStat cuts the name at the last parenthesis", () => {
    const line = `42 (my (odd) name) S 7 42 42 0 -1 4194560 ${"0 ".repeat(12)}123456 0`;
    expect(parseProcStat(line)).toEqual({
      comm: "my (odd) name",
      state: "S",
      parentPid: 7,
      sessionId: 42,
      tpgid: -1,
      startTime: "123456",
    });
    expect(parseProcStat("garbage")).toBeNull();
  });

  it("parsePsOutput reads pid, parent, session, start time and argv; zombies are left out", () => {
    const rows = parsePsOutput(
      [
        "  10     1    10 Wed Dec  2 18:23:20 2026 Ss   node /x/.bin/gemini --yolo",
        "  11    10    10 Wed Dec  2 18:23:21 2026 Z    [node] <defunct>",
        "",
      ].join("\n"),
    );
    expect(rows).toEqual([
      {
        pid: 10,
        parentPid: 1,
        sessionId: 10,
        startTime: "Wed Dec 2 18:23:20 2026",
        argv: ["node", "/x/.bin/gemini", "--yolo"],
      },
    ]);
  });

  it("splitPsArgs: argv without spaces in its words comes back as it was; paths with spaces are joined back where they exist", () => {
    const word = fc.stringMatching(/^[^\s]{1,12}$/);
    fc.assert(
      fc.property(fc.array(word, { minLength: 1, maxLength: 12 }), (argv) => {
        expect(splitPsArgs(argv.join(" "))).toEqual(argv);
      }),
    );
    const home = "/Users/Jo Doe/My Tools/.npm/bin/gemini";
    const exists = (path: string) => path === home || path === "/opt/node 20/bin/node";
    expect(splitPsArgs(`/opt/node 20/bin/node ${home} --prompt fix the bug`, exists)).toEqual([
      "/opt/node 20/bin/node",
      home,
      "--prompt",
      "fix",
      "the",
      "bug",
    ]);
    // The longest existing path wins; a shorter one is not cut out of it.
    expect(splitPsArgs("/a b c d", (path) => path === "/a b" || path === "/a b c")).toEqual(["/a b c", "d"]);
  });

  it("regression: the ps reader cut argv to $COLUMNS and split paths with spaces; it reads the whole argv, paths joined back", async () => {
    // A Node-wrapped agent whose script sits in a directory with spaces, with a long argv: ps printed it cut
    // at $COLUMNS (procps honours it, BSD ps cuts at the terminal's width) and split the path in two.
    const spaced = join(dir, "My Tools", "node modules", ".bin");
    await mkdir(spaced, { recursive: true });
    const script = join(spaced, "gemini");
    await writeFile(script, "#!/usr/bin/env node\nsetInterval(() => {}, 1e6);\n");
    await chmod(script, 0o755);
    const long = "x".repeat(300);
    server = await startIsolatedTmuxServer({ label: "psargv" });
    const pid = Number(
      await server.tmux([
        "new-window",
        "-d",
        "-P",
        "-F",
        "#{pane_pid}",
        "-t",
        "keepalive:",
        `exec ${process.execPath} '${script}' --note ${long}`,
      ]),
    );
    seen.add(pid);
    const columns = process.env.COLUMNS;
    process.env.COLUMNS = "60";
    try {
      const fromProc = createProcessTableReader({ source: "proc" });
      const fromPs = createProcessTableReader({ source: "ps" });
      const expected = [process.execPath, script, "--note", long];
      await eventually(async () => {
        expect(treeOf(right(await fromProc.snapshot()), pid)[0]?.argv).toEqual(expected);
      });
      const tree = treeOf(right(await fromPs.snapshot()), pid);
      expect(tree[0]?.argv).toEqual(expected);
      expect(classifyAgent({ command: "node", processes: tree.map((process) => process.argv) })).toBe("gemini");
    } finally {
      if (columns === undefined) delete process.env.COLUMNS;
      else process.env.COLUMNS = columns;
    }
  });

  for (const source of ["proc", "ps"] as const)
    it(`the ${source} reader sees a real process tree in one snapshot`, async () => {
      server = await startIsolatedTmuxServer({ label: "proctree" });
      const pid = Number(
        await server.tmux([
          "new-window",
          "-d",
          "-P",
          "-F",
          "#{pane_pid}",
          "-t",
          "keepalive:",
          "sh -c 'sleep 3600 & sleep 3601; :'",
        ]),
      );
      seen.add(pid);
      const reader = createProcessTableReader({ source });
      // Until both children have exec'd `sleep` (a forked child shows the shell's argv for a moment).
      const tree = await eventually(async () => {
        const found = treeOf(right(await reader.snapshot()), pid);
        for (const process of found) seen.add(process.pid);
        // ps prints argv as one line: its words are split on spaces.
        expect(found[0]?.argv.join(" ")).toBe("sh -c sleep 3600 & sleep 3601; :");
        expect(
          found
            .slice(1)
            .map((process) => process.argv.join(" "))
            .sort(),
        ).toEqual(["sleep 3600", "sleep 3601"]);
        return found;
      }, 20_000);
      expect(new Set(tree.map((process) => process.sessionId)).size).toBe(1);
      expect(await reader.startTimeOf(pid)).toBe(tree[0]?.startTime);
      expect(await reader.startTimeOf(2 ** 22 + 12_345)).toBeNull();
      // A tmux server and three real processes on a loaded machine: the default 10 s is not enough.
    }, 30_000);
});

describe("agent detection through wrappers on a real tmux", () => {
  it("a Node-wrapped agent (shown as node) and a Python console script (shown as python3) are detected", async () => {
    server = await startIsolatedTmuxServer({ label: "detect" });
    await server.tmux([
      "new-window",
      "-d",
      "-t",
      "keepalive:",
      "-n",
      "gem",
      `exec ${join(dir, "node_modules", ".bin", "gemini")}`,
    ]);
    await server.tmux(["new-window", "-d", "-t", "keepalive:", "-n", "aid", `exec ${join(dir, "aider")}`]);
    const driver = createTmuxDriver(server.driverOptions);
    try {
      const panes = await eventually(async () => {
        const listed = right(await driver.listPanes());
        const gem = listed.find((pane) => pane.windowName === "gem");
        const aid = listed.find((pane) => pane.windowName === "aid");
        expect(gem?.command).toBe("node");
        expect(aid?.command).toMatch(/^python3/);
        expect(gem?.processes?.length).toBeGreaterThanOrEqual(2);
        return { gem: gem!, aid: aid! };
      });
      for (const pane of [panes.gem, panes.aid]) if (pane.pid) seen.add(pane.pid);
      expect(panes.gem.startCommand).toContain("gemini");
      expect(classifyAgent(panes.gem)).toBe("gemini");
      expect(classifyAgent(panes.aid)).toBe("aider");
      // Without the start command and with a neutral name, the process tree alone still tells.
      expect(classifyAgent({ command: "node", processes: panes.gem.processes })).toBe("gemini");
    } finally {
      await driver.close();
    }
  });

  it("a pane spawned with its agent kind carries it by construction", async () => {
    server = await startIsolatedTmuxServer({ label: "declared" });
    const driver = createTmuxDriver(server.driverOptions);
    try {
      const spawned = right(
        await driver.spawn({ session: "crew", window: "w", argv: ["sleep", "3600"], agentKind: "claude" }),
      );
      const pane = right(await driver.listPanes()).find((candidate) => candidate.paneId === spawned.paneId);
      if (pane?.pid) seen.add(pane.pid);
      expect(pane?.declaredAgent).toBe("claude");
      expect(classifyAgent(pane!)).toBe("claude");
      expect(
        E.isLeft(await driver.spawn({ session: "crew", window: "x", argv: ["true"], agentKind: "Bad Kind" })),
      ).toBe(true);
    } finally {
      await driver.close();
    }
  });
});

/** The stand-in wrapper and its child write their pid files once set up; throws until both have. */
const settled = async (wrapperPid: number) => {
  const files = (await readdir(dir)).filter((file) => file.startsWith("pids-"));
  expect(files).toContain(`pids-${wrapperPid}`);
  expect(files.length).toBeGreaterThanOrEqual(2);
};

describe("ending a pane ends its processes", () => {
  it("regression: closing a window left an agent that catches SIGHUP running; the ladder ends the whole tree and spares a detached daemon", async () => {
    server = await startIsolatedTmuxServer({ label: "endtree" });
    await server.tmux([
      "new-window",
      "-d",
      "-t",
      "keepalive:",
      "-n",
      "gem",
      `exec ${join(dir, "node_modules", ".bin", "gemini")}`,
    ]);
    const driver = createTmuxDriver(server.driverOptions);
    const processes = createProcessDriver();
    try {
      const pane = await eventually(async () => {
        const found = right(await driver.listPanes()).find((candidate) => candidate.windowName === "gem");
        // wrapper, child, and the detached daemon, each past its set-up (SIGHUP handler, own session)
        expect(found?.processes?.length).toBe(3);
        await settled(found!.pid!);
        return found!;
      });
      const tree = right(await processes.tree(pane.pid!));
      for (const process of tree) seen.add(process.pid);
      const { end, spared } = processesToEnd(tree);
      expect(end).toHaveLength(2);
      expect(spared.map((process) => process.argv[0])).toEqual(["sleep"]);

      // What tmux alone does: the window closes, the SIGHUP-catching processes live on.
      const bare = await endPane({ tmux: driver }, { paneId: pane.paneId as PaneId, pid: pane.pid });
      expect(bare.report.unrecorded).toBe("no process port");
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await processes.alive(end)).toHaveLength(2);

      // Recorded before the close (here: already closed, so the tree is what was recorded above) and walked up the ladder.
      const ended = await runEndLadder(processes, end);
      expect(ended.steps.map((step) => step.signal)).toEqual(["SIGHUP", "SIGTERM"]);
      expect(ended.steps[0]?.remaining).toBe(2);
      expect(ended.steps[1]?.remaining).toBe(0);
      expect(ended.survivors).toEqual([]);
      expect(await processes.alive(end)).toEqual([]);
      // The daemon in its own session is untouched.
      expect(await processes.alive(spared)).toHaveLength(1);
    } finally {
      await driver.close();
    }
  });

  it("endPane records the tree before closing the pane, then ends what remains", async () => {
    server = await startIsolatedTmuxServer({ label: "endpane" });
    await server.tmux([
      "new-window",
      "-d",
      "-t",
      "keepalive:",
      "-n",
      "gem",
      `exec ${join(dir, "node_modules", ".bin", "gemini")}`,
    ]);
    const driver = createTmuxDriver(server.driverOptions);
    const processes = createProcessDriver();
    try {
      const pane = await eventually(async () => {
        const found = right(await driver.listPanes()).find((candidate) => candidate.windowName === "gem");
        expect(found?.processes?.length).toBe(3);
        await settled(found!.pid!);
        return found!;
      });
      const tree = right(await processes.tree(pane.pid!));
      for (const process of tree) seen.add(process.pid);
      const { end, spared } = processesToEnd(tree);
      const ended = await endPane({ tmux: driver, processes }, { paneId: pane.paneId as PaneId, pid: pane.pid });
      expect(E.isRight(ended.closed)).toBe(true);
      expect(ended.report).toMatchObject({ recorded: 2, spared: 1, survivors: [], unrecorded: null });
      expect(ended.report.steps.at(-1)?.remaining).toBe(0);
      expect(await processes.alive(end)).toEqual([]);
      expect(await processes.alive(spared)).toHaveLength(1);
      expect(right(await driver.listPanes()).some((candidate) => candidate.paneId === pane.paneId)).toBe(false);
    } finally {
      await driver.close();
    }
  });

  it("a signal never reaches a process that is no longer the one recorded", async () => {
    const processes = createProcessDriver();
    const self = right(await processes.tree(process.pid))[0]!;
    const impostor = { ...self, startTime: "1" };
    expect(await processes.alive([impostor])).toEqual([]);
    expect(await processes.signal([impostor], "SIGKILL")).toEqual([]);
  });
});
