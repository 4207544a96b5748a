/**
 * Starting a channel server is serialised by a lock file: two servers
 * starting at once on one socket path never orphan a socket (one listens,
 * the other is told the path is in use), and a lock left by a dead process
 * is taken over.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { lstat, mkdir, mkdtemp, rm, unlink, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as E from "fp-ts/lib/Either.js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type ChannelServer, createChannelServer } from "../src/channelServer.js";
import { isSocketLive } from "../src/privateSocketPath.js";
import { FakeToolHost } from "./support/fakeToolHost.js";

let dir: string;
const servers: ChannelServer[] = [];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "fm-lock-"));
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
  await rm(dir, { recursive: true, force: true });
});

const server = (socketPath: string) => {
  const created = createChannelServer({ socketPath, host: new FakeToolHost() });
  servers.push(created);
  return created;
};

/** A socket file nobody listens on (what a host killed with -9 leaves): bound by a process that then exits. */
const staleSocketFile = (path: string): void => {
  const made = spawnSync("python3", ["-c", "import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])", path]);
  if (made.status !== 0) throw new Error(`could not make a stale socket: ${made.stderr}`);
};

/** The inode the path names now, or null. */
const inodeAt = async (path: string): Promise<number | null> => {
  try {
    return (await lstat(path)).ino;
  } catch {
    return null;
  }
};

describe("socket start is serialised by a lock file", () => {
  it("two starts at once never orphan a socket: a start that finds another between its probe and its listen leaves the path alone", async () => {
    // Start A has taken the lock, probed the stale socket file and found it dead;
    // it is about to unlink it and listen (the steps that, unserialised, orphan a socket).
    const socketPath = join(dir, "run", "channel.sock");
    await mkdir(join(dir, "run"), { mode: 0o700 });
    staleSocketFile(socketPath);
    await writeFile(`${socketPath}.lock`, `${process.pid}\n`, { mode: 0o600 });

    // Start B runs whole meanwhile.
    const b = server(socketPath);
    const started = await b.listen();
    const bInode = E.isRight(started) ? await inodeAt(socketPath) : null;

    // A goes on: unlink what it judged stale, listen, and later let go of the lock.
    await unlink(socketPath).catch(() => undefined);
    const a: Server = createServer();
    await new Promise<void>((resolve, reject) => {
      a.once("error", reject);
      a.listen(socketPath, resolve);
    });
    try {
      // Without the lock B would have replaced the stale file and listened, and A's unlink then orphaned it.
      expect(E.isLeft(started) && started.left._tag).toBe("ChannelSocketInUse");
      expect(bInode).toBeNull();
      expect(await isSocketLive(socketPath)).toBe(true);
    } finally {
      await new Promise<void>((resolve) => a.close(() => resolve()));
      await unlink(`${socketPath}.lock`).catch(() => undefined);
    }
  });

  it("two servers starting at once on one path never orphan a socket: one listens, the other is refused", async () => {
    for (let round = 0; round < 25; round += 1) {
      const socketPath = join(dir, `round-${round}`, "channel.sock");
      const [a, b] = [server(socketPath), server(socketPath)];
      const [first, second] = await Promise.all([a.listen(), b.listen()]);
      const outcomes = [first, second].map((outcome) => (E.isRight(outcome) ? "listening" : outcome.left._tag)).sort();
      expect(outcomes, `round ${round}`).toEqual(["ChannelSocketInUse", "listening"]);
      expect(await isSocketLive(socketPath)).toBe(true);
      // The winner's close removes its own socket and lock; the path is then free for a new server.
      const winner = E.isRight(first) ? a : b;
      await winner.close();
      expect(existsSync(socketPath)).toBe(false);
      expect(existsSync(`${socketPath}.lock`)).toBe(false);
      const next = server(socketPath);
      expect(E.isRight(await next.listen())).toBe(true);
      await next.close();
    }
  });

  it("a lock left by a dead process is taken over; one held by a live process is not", async () => {
    const socketPath = join(dir, "run", "channel.sock");
    const first = server(socketPath);
    expect(E.isRight(await first.listen())).toBe(true);
    await first.close();
    const dead = spawnSync("true").pid;
    await writeFile(`${socketPath}.lock`, `${dead}\n`, { mode: 0o600 });
    const taker = server(socketPath);
    expect(E.isRight(await taker.listen())).toBe(true);
    expect((await lstat(`${socketPath}.lock`)).isFile()).toBe(true);
    await taker.close();

    await writeFile(`${socketPath}.lock`, `${process.ppid}\n`, { mode: 0o600 });
    const refused = await server(socketPath).listen();
    expect(E.isLeft(refused) && refused.left._tag).toBe("ChannelSocketInUse");
    expect(E.isLeft(refused) && refused.left.message).toContain(`pid ${process.ppid}`);
  });
});
