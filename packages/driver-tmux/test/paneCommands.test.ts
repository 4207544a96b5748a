/**
 * The tick listing (PANE_TICK_FORMAT) with each pane's commands remembered:
 * what the driver lists must be what the full format lists, whatever ran,
 * ended, exec'd, was suspended or respawned in a pane since.
 */
import type { PaneId, PaneObservation, PaneProcess } from "@first-mate/core";
import fc from "fast-check";
import * as E from "fp-ts/lib/Either.js";
import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_CONTROL_SESSION, PANE_LIST_FORMAT, parsePaneListing, renderPaneListing } from "../src/index.js";
import { createPaneCommandCache, foregroundCommand } from "../src/paneCommands.js";
import type { ProcessTable } from "../src/processTable.js";
import { countingTable } from "./countingTable.js";
import { hostileString } from "./hostileArbitraries.js";
import { anyPaneId, listingRowFields } from "./listingRowArbitrary.js";
import { createTestServer, eventually, type TestServer } from "./tmuxTestServer.js";

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.stop()));
});

const right = <A>(either: E.Either<unknown, A>): A => {
  if (E.isLeft(either)) throw new Error(`expected Right, got ${JSON.stringify(either.left)}`);
  return either.right;
};

/** What the cache fills in, per pane. */
const commandsOf = (panes: readonly PaneObservation[]) =>
  Object.fromEntries(
    panes.map((pane) => [pane.paneId, { pid: pane.pid, command: pane.command, start: pane.startCommand }]),
  );

const observation: fc.Arbitrary<PaneObservation> = fc
  .record({
    ...listingRowFields(anyPaneId()),
    startCommand: fc.option(
      hostileString().filter((text) => text !== ""),
      { nil: undefined },
    ),
    declaredAgent: fc.option(fc.constantFrom("claude", "codex"), { nil: undefined }),
  })
  .map((pane) => JSON.parse(JSON.stringify(pane)) as PaneObservation);

const EMPTY_TABLE: ProcessTable = { byPid: new Map(), childrenOf: new Map(), foregroundGroupOf: new Map() };

describe("the pane command cache", () => {
  it("fills a tick row into what the full row reads, key order included, and the same object while unchanged", () => {
    fc.assert(
      fc.property(fc.uniqueArray(observation, { maxLength: 12, selector: (pane) => pane.paneId }), (panes) => {
        const cache = createPaneCommandCache();
        const full = right(parsePaneListing(renderPaneListing(panes)));
        const ticked = right(parsePaneListing(renderPaneListing(panes, "tick"), new Set(), "tick"));
        expect(cache.stale(ticked, EMPTY_TABLE)).toEqual(panes.map((pane) => pane.paneId));
        cache.remember(full, EMPTY_TABLE);
        expect(cache.fill(ticked, new Map(full.map((pane) => [pane.paneId, pane])))).toEqual(full);
        // No process backs a live pane's command here: each is read again next time; a dead one is kept.
        expect(cache.stale(ticked, EMPTY_TABLE)).toEqual(panes.filter((pane) => !pane.dead).map((pane) => pane.paneId));
        const filled = cache.fill(ticked, new Map());
        expect(JSON.stringify(filled)).toBe(JSON.stringify(full));
        expect(cache.fill(ticked, new Map())).toEqual(filled);
        const again = cache.fill(ticked, new Map());
        for (let index = 0; index < again.length; index++) expect(again[index]).toBe(filled[index]);
      }),
      { numRuns: 200 },
    );
  });

  it("a pane is stale after a new pid, a changed tree or foreground group, and after refreshEvery listings", () => {
    const cache = createPaneCommandCache(3);
    const shell: PaneProcess = { pid: 10, parentPid: 1, sessionId: 10, startTime: "5", argv: ["bash"] };
    const job: PaneProcess = { pid: 11, parentPid: 10, sessionId: 10, startTime: "6", argv: ["sleep", "9"] };
    const tableOf = (processes: PaneProcess[], foreground: number): ProcessTable => ({
      byPid: new Map(processes.map((process) => [process.pid, process])),
      childrenOf: new Map([
        [10, processes.filter((process) => process.parentPid === 10).map((process) => process.pid)],
      ]),
      foregroundGroupOf: new Map(processes.map((process) => [process.pid, foreground])),
    });
    const pane = right(parsePaneListing(renderPaneListing([{ ...observationOf("%1", 10), command: "sleep" }])))[0]!;
    const running = tableOf([shell, job], 11);
    cache.remember([pane], running);
    cache.fill([pane], new Map([["%1", pane]]));
    expect(cache.stale([pane], running)).toEqual([]);
    // The job suspended: same processes, the shell in the foreground again.
    expect(cache.stale([pane], tableOf([shell, job], 10))).toEqual(["%1"]);
    // The job ended.
    expect(cache.stale([pane], tableOf([shell], 11))).toEqual(["%1"]);
    // The job exec'd another program: its row is another object.
    expect(cache.stale([pane], tableOf([shell, { ...job, argv: ["vim"] }], 11))).toEqual(["%1"]);
    // The pane respawned.
    expect(cache.stale([{ ...pane, pid: 12 }], running)).toEqual(["%1"]);
    expect(cache.stale([{ ...pane, dead: true }], running)).toEqual(["%1"]);
    cache.fill([pane], new Map());
    cache.fill([pane], new Map());
    expect(cache.stale([pane], running)).toEqual(["%1"]);
    // tmux named a job that came and went after the table was read: kept once, then read again.
    const passing = { ...pane, command: "ls" };
    cache.remember([passing], running);
    expect(cache.fill([pane], new Map([["%1", passing]]))[0]!.command).toBe("ls");
    expect(cache.stale([pane], running)).toEqual(["%1"]);
  });

  it("the same table again walks no tree for a pane found current in it; another table is read", () => {
    const cache = createPaneCommandCache();
    const shell: PaneProcess = { pid: 10, parentPid: 1, sessionId: 10, startTime: "5", argv: ["bash"] };
    const source: ProcessTable = {
      byPid: new Map([[10, shell]]),
      childrenOf: new Map(),
      foregroundGroupOf: new Map([[10, 10]]),
    };
    const { table, lookups } = countingTable(source);
    const pane = right(parsePaneListing(renderPaneListing([{ ...observationOf("%1", 10), command: "bash" }])))[0]!;
    cache.remember([pane], table);
    cache.fill([pane], new Map([["%1", pane]]));
    const before = lookups();
    expect(cache.stale([pane], table)).toEqual([]);
    expect(lookups()).toBe(before);
    // Another table with the same processes is walked, and found current.
    expect(cache.stale([pane], { ...source })).toEqual([]);
    // One whose foreground group moved is not.
    expect(cache.stale([pane], { ...source, foregroundGroupOf: new Map([[10, 12]]) })).toEqual(["%1"]);
  });

  it("names the foreground leader's program as tmux does", () => {
    const table = (argv: string[]): ProcessTable => ({
      byPid: new Map([[7, { pid: 7, parentPid: 1, sessionId: 7, startTime: "1", argv }]]),
      childrenOf: new Map(),
      foregroundGroupOf: new Map([[7, 7]]),
    });
    expect(foregroundCommand(table(["-bash"]), 7)).toBe("bash");
    expect(foregroundCommand(table(["/usr/bin/python3", "-m", "aider"]), 7)).toBe("python3");
    expect(foregroundCommand(table(["node", "/opt/codex.js"]), 7)).toBe("node");
    expect(foregroundCommand(table(["node"]), -1)).toBeNull();
    expect(foregroundCommand(table(["node"]), 8)).toBeNull();
  });
});

function observationOf(paneId: string, pid: number): PaneObservation {
  return {
    paneId: paneId as PaneObservation["paneId"],
    session: "s",
    windowIndex: 0,
    windowName: "w",
    title: "",
    command: "bash",
    pid,
    dead: false,
    lastActivityAt: 0,
  };
}

describe("listPanes with the tick listing on a real tmux", () => {
  it("reads the current and start command the full format reads as programs start, are suspended, resume and respawn", async () => {
    const server = createTestServer();
    servers.push(server);
    const driver = server.driver();
    const shell = right(
      await driver.spawn({ session: "crew", window: "shell", argv: ["bash", "--norc", "--noprofile", "-i"] }),
    ).paneId as PaneId;
    const sleeper = right(await driver.spawn({ session: "crew", window: "sleeper", argv: ["sleep", "3600"] }))
      .paneId as PaneId;
    // What the full format lists now, read straight from tmux.
    const fullListing = async () =>
      right(
        parsePaneListing(
          right(await driver.read(["list-panes", "-a", "-F", PANE_LIST_FORMAT])),
          new Set([DEFAULT_CONTROL_SESSION]),
        ),
      );
    const commandOf = async (paneId: string) => (await fullListing()).find((pane) => pane.paneId === paneId)?.command;
    // Each step waits until tmux shows the change, then lists once: fewer listings than the periodic refresh.
    const listedAgreesWithFull = async () => {
      const listed = right(await driver.listPanes());
      expect(commandsOf(listed)).toEqual(commandsOf(await fullListing()));
      return listed;
    };

    await eventually(async () => ((await commandOf(shell)) === "bash" ? true : undefined), 15_000);
    await listedAgreesWithFull();

    await driver.sendText(shell, "sleep 3600");
    await eventually(async () => ((await commandOf(shell)) === "sleep" ? true : undefined), 15_000);
    await listedAgreesWithFull();

    // Suspended: the same processes, but the shell is the foreground again.
    right(await driver.sendKeys(shell, ["C-z"]));
    await eventually(async () => ((await commandOf(shell)) === "bash" ? true : undefined), 15_000);
    expect((await listedAgreesWithFull()).find((pane) => pane.paneId === shell)?.command).toBe("bash");

    await driver.sendText(shell, "fg");
    await eventually(async () => ((await commandOf(shell)) === "sleep" ? true : undefined), 15_000);
    await listedAgreesWithFull();

    // Respawned with another command: a new pid and start command.
    await server.tmux(["respawn-pane", "-k", "-t", sleeper, "exec cat"]);
    await eventually(async () => ((await commandOf(sleeper)) === "cat" ? true : undefined), 15_000);
    const listed = await listedAgreesWithFull();
    expect(listed.find((pane) => pane.paneId === sleeper)?.startCommand).toBe('"exec cat"');

    // A new title alone: the row changes, the commands are still filled in, and the whole row is the full one.
    await server.tmux(["select-pane", "-t", sleeper, "-T", "renamed"]);
    await eventually(async () =>
      (await fullListing()).find((pane) => pane.paneId === sleeper)?.title === "renamed" ? true : undefined,
    );
    const strip = ({ processes: _processes, ...pane }: PaneObservation) => pane;
    expect(JSON.stringify(right(await driver.listPanes()).map(strip))).toBe(JSON.stringify(await fullListing()));
  }, 60_000);
});
