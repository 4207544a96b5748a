/**
 * Nothing limited sessions or connections: now the channel server serves at
 * most `maxSessions` pane sessions and `maxPendingConnections` connections
 * owing their hello. Past a cap a newcomer is refused (typed) or closed, and
 * the sessions already served keep working.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as E from "fp-ts/lib/Either.js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type ChannelServer, createChannelServer } from "../src/channelServer.js";
import { eventually } from "./support/channelFixture.js";
import { FakeToolHost } from "./support/fakeToolHost.js";
import { openRaw, type RawConnection } from "./support/rawConnection.js";

let dir: string;
let server: ChannelServer;
const raws: RawConnection[] = [];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "fm-caps-"));
});
afterEach(async () => {
  for (const raw of raws.splice(0)) raw.destroy();
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

const start = async (options: { maxSessions?: number; maxPendingConnections?: number }) => {
  const socketPath = join(dir, "run", "channel.sock");
  server = createChannelServer({ socketPath, host: new FakeToolHost(), ...options });
  const listening = await server.listen();
  if (E.isLeft(listening)) throw new Error(listening.left.message);
  return socketPath;
};

const open = async (socketPath: string) => {
  const raw = await openRaw(socketPath);
  raws.push(raw);
  return raw;
};

describe("session and connection caps", () => {
  it("a hello for a new pane past maxSessions is refused; a pane already served may reconnect", async () => {
    const socketPath = await start({ maxSessions: 3 });
    for (const pane of ["%1", "%2", "%3"]) (await open(socketPath)).write(`${JSON.stringify({ pane })}\n`);
    await eventually(() => server.sessions().length === 3);
    const fourth = await open(socketPath);
    fourth.write(`${JSON.stringify({ pane: "%4" })}\n`);
    await fourth.waitForLines(1);
    expect(JSON.parse(fourth.lines[0]!).error.code).toBe("HelloServerFull");
    expect(
      server
        .sessions()
        .map((session) => session.paneId)
        .sort(),
    ).toEqual(["%1", "%2", "%3"]);
    const again = await open(socketPath);
    again.write(`${JSON.stringify({ pane: "%2" })}\n`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(again.isClosed()).toBe(false);
    expect(server.sessions()).toHaveLength(3);
  });

  it("connections owing their hello past maxPendingConnections are closed at once", async () => {
    const socketPath = await start({ maxPendingConnections: 5 });
    const silent: RawConnection[] = [];
    for (let index = 0; index < 5; index += 1) silent.push(await open(socketPath));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const extra = await open(socketPath);
    await extra.closed;
    expect(silent.every((raw) => !raw.isClosed())).toBe(true);
    // One of them says hello and is served; a newcomer then fits again.
    silent[0]!.write(`${JSON.stringify({ pane: "%7" })}\n`);
    await eventually(() => server.sessions().length === 1);
    const later = await open(socketPath);
    later.write(`${JSON.stringify({ pane: "%8" })}\n`);
    await eventually(() => server.sessions().length === 2);
  });
});
