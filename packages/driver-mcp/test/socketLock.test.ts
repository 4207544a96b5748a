/**
 * Starting a channel server is serialised by a lock file: two servers
 * starting at once on one socket path never orphan a socket (one listens,
 * the other is told the path is in use), and a lock left by a dead process
 * is taken over.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { lstat, mkdtemp, rm, writeFile } from "node:fs/promises";
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

describe("socket start is serialised by a lock file", () => {
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
