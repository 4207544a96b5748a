import { spawn } from "node:child_process";
import { chmod, chown, lstat, mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ChannelEvent, PaneId } from "@first-mate/core";
import * as E from "fp-ts/lib/Either.js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { CHANNEL_NOTIFICATION_METHOD, createChannelServer } from "../src/channelServer.js";
import { AGENT_TOOLS, FIRST_MATE_TOOLS } from "../src/channelTools.js";
import { MAX_FRAME_BYTES } from "../src/limits.js";
import { type ChannelFixture, eventually, resultText, startChannelFixture } from "./support/channelFixture.js";
import { FakeToolHost } from "./support/fakeToolHost.js";

const FIRST_MATE = "%1" as PaneId;
const TOKEN = "spawn-token-of-the-first-mate";
const WORKER = "%7" as PaneId;

const ChannelNotificationSchema = z.object({
  method: z.literal(CHANNEL_NOTIFICATION_METHOD),
  params: z.object({ content: z.string(), meta: z.record(z.string(), z.string()) }),
});
type ChannelNotification = z.infer<typeof ChannelNotificationSchema>;

let fixture: ChannelFixture;
beforeEach(async () => {
  fixture = await startChannelFixture();
  fixture.host.markFirstMate(FIRST_MATE, TOKEN);
  fixture.host.screens.set(WORKER, "line 1\nline 2\nline 3");
});
afterEach(async () => {
  await fixture.dispose();
});

const collectPushes = (client: Awaited<ReturnType<ChannelFixture["connect"]>>) => {
  const received: ChannelNotification["params"][] = [];
  client.setNotificationHandler(ChannelNotificationSchema, (notification) => {
    received.push(notification.params);
  });
  return received;
};

const attachedEvents = (events: ChannelEvent[], pane: string) =>
  events.filter((event) => event.type === "attached" && event.paneId === pane);

describe("handshake", () => {
  it("declares the claude/channel capability, tools and instructions", async () => {
    const client = await fixture.connect({ pane: WORKER });
    expect(client.getServerCapabilities()?.experimental).toEqual({ "claude/channel": {} });
    expect(client.getServerCapabilities()?.tools).toBeDefined();
    const instructions = client.getInstructions() ?? "";
    expect(instructions).toContain("interrupt");
    expect(instructions).toContain("seq");
    for (const tool of [...AGENT_TOOLS, ...FIRST_MATE_TOOLS]) expect(instructions).toContain(tool);
  });

  it("lists every tool", async () => {
    const client = await fixture.connect({ pane: WORKER });
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual([...AGENT_TOOLS, ...FIRST_MATE_TOOLS].sort());
  });
});

describe("tools for any agent", () => {
  it("notify reaches the host with the caller's pane", async () => {
    const client = await fixture.connect({ pane: WORKER });
    const result = await client.callTool({
      name: "notify",
      arguments: { message: "tests are green", kind: "done", severity: "low" },
    });
    expect(result.isError).toBeFalsy();
    expect(resultText(result)).toBe("noted (done)");
    expect(fixture.host.notifies).toEqual([
      { from: WORKER, kind: "done", message: "tests are green", severity: "low" },
    ]);
  });

  it("notify refuses an empty message, an unknown kind and an over-long message", async () => {
    const client = await fixture.connect({ pane: WORKER });
    for (const args of [
      { message: "", kind: "info" },
      { message: "hi", kind: "panic" },
      { message: "x".repeat(2001), kind: "info" },
      { kind: "info" },
    ]) {
      const result = await client.callTool({ name: "notify", arguments: args });
      expect(result.isError).toBe(true);
    }
    expect(fixture.host.notifies).toEqual([]);
  });

  it("report reaches the host; an empty report is refused", async () => {
    const client = await fixture.connect({ pane: WORKER });
    const ok = await client.callTool({ name: "report", arguments: { message: "PR #12 ready" } });
    expect(resultText(ok)).toBe("report received");
    const bad = await client.callTool({ name: "report", arguments: { message: "" } });
    expect(bad.isError).toBe(true);
    expect(fixture.host.reports).toEqual([{ from: WORKER, message: "PR #12 ready" }]);
  });

  it("an unknown tool is an error result", async () => {
    const client = await fixture.connect({ pane: WORKER });
    const result = await client.callTool({ name: "launch_missiles", arguments: {} });
    expect(result.isError).toBe(true);
  });
});

describe("tools for the first mate", () => {
  const firstMate = () => fixture.connect({ pane: FIRST_MATE, token: TOKEN }, "first-mate");

  it("fleet_digest returns the host's rendering", async () => {
    const result = await (await firstMate()).callTool({ name: "fleet_digest", arguments: {} });
    expect(result.isError).toBeFalsy();
    expect(resultText(result)).toBe("fleet: 0 panes");
  });

  it("captains_log_append then captains_log_read, with kind filter and limit", async () => {
    const client = await firstMate();
    const appended = await client.callTool({
      name: "captains_log_append",
      arguments: { kind: "standing_order", text: "never merge on Fridays" },
    });
    expect(resultText(appended)).toBe("Logged #1 (standing_order).");
    await client.callTool({ name: "captains_log_append", arguments: { kind: "watch", text: "PR #4 CI" } });
    const all = await client.callTool({ name: "captains_log_read", arguments: {} });
    expect(resultText(all).split("\n")).toHaveLength(2);
    const orders = await client.callTool({ name: "captains_log_read", arguments: { kind: "standing_order" } });
    expect(resultText(orders)).toContain("never merge on Fridays");
    expect(resultText(orders)).not.toContain("PR #4");
    const limited = await client.callTool({ name: "captains_log_read", arguments: { limit: 1 } });
    expect(resultText(limited)).toContain("PR #4 CI");
    expect(resultText(limited).split("\n")).toHaveLength(1);
    for (const args of [{ limit: 0 }, { limit: 201 }, { kind: "diary" }]) {
      expect((await client.callTool({ name: "captains_log_read", arguments: args })).isError).toBe(true);
    }
    for (const args of [{ kind: "watch", text: "" }, { kind: "watch", text: "x".repeat(2001) }, { text: "t" }]) {
      expect((await client.callTool({ name: "captains_log_append", arguments: args })).isError).toBe(true);
    }
    expect(fixture.host.log).toHaveLength(2);
  });

  it("peek shows a worker's screen, refuses its own pane, renders a host refusal", async () => {
    const client = await firstMate();
    const screen = await client.callTool({ name: "peek", arguments: { pane: WORKER, lines: 2 } });
    expect(resultText(screen)).toBe("line 2\nline 3");
    const own = await client.callTool({ name: "peek", arguments: { pane: FIRST_MATE } });
    expect(own.isError).toBe(true);
    expect(resultText(own)).toContain("own pane");
    const missing = await client.callTool({ name: "peek", arguments: { pane: "%99" } });
    expect(missing.isError).toBe(true);
    expect(resultText(missing)).toBe("no pane %99");
    for (const args of [{ pane: "7" }, { pane: WORKER, lines: 0 }, { pane: WORKER, lines: 201 }]) {
      expect((await client.callTool({ name: "peek", arguments: args })).isError).toBe(true);
    }
  });

  it("nudge reaches the host; the host's policy refusal comes back as an error", async () => {
    const client = await firstMate();
    const ok = await client.callTool({ name: "nudge", arguments: { pane: WORKER, message: "status?" } });
    expect(resultText(ok)).toBe(`nudged ${WORKER}`);
    fixture.host.busyPanes.add("%8");
    const refused = await client.callTool({ name: "nudge", arguments: { pane: "%8", message: "status?" } });
    expect(refused.isError).toBe(true);
    expect(resultText(refused)).toContain("not clearly idle");
    expect((await client.callTool({ name: "nudge", arguments: { pane: WORKER, message: "" } })).isError).toBe(true);
    expect(fixture.host.nudges).toEqual([{ from: FIRST_MATE, pane: WORKER, message: "status?" }]);
  });

  it("a worker is refused every first-mate tool, with a clear message", async () => {
    const worker = await fixture.connect({ pane: WORKER });
    const calls: [string, Record<string, unknown>][] = [
      ["fleet_digest", {}],
      ["captains_log_read", {}],
      ["captains_log_append", { kind: "narrative", text: "hello" }],
      ["peek", { pane: "%3" }],
      ["nudge", { pane: "%3", message: "hi" }],
    ];
    for (const [name, args] of calls) {
      const result = await worker.callTool({ name, arguments: args });
      expect(result.isError).toBe(true);
      expect(resultText(result)).toBe(`only the first mate may call ${name}`);
    }
    expect(fixture.host.log).toEqual([]);
    expect(fixture.host.nudges).toEqual([]);
  });

  it("the guard re-reads the marker on every call", async () => {
    const client = await firstMate();
    expect((await client.callTool({ name: "fleet_digest", arguments: {} })).isError).toBeFalsy();
    fixture.host.markFirstMate("%2", "a-new-token");
    const after = await client.callTool({ name: "fleet_digest", arguments: {} });
    expect(after.isError).toBe(true);
    fixture.host.marker = null;
    expect((await client.callTool({ name: "fleet_digest", arguments: {} })).isError).toBe(true);
  });

  it("a host that throws yields an error result and the session keeps working", async () => {
    const client = await firstMate();
    fixture.host.fleetDigest = async () => {
      throw new Error("disk on fire");
    };
    const result = await client.callTool({ name: "fleet_digest", arguments: {} });
    expect(result.isError).toBe(true);
    expect(resultText(result)).toContain("disk on fire");
    expect((await client.callTool({ name: "report", arguments: { message: "still here" } })).isError).toBeFalsy();
  });
});

describe("spoofing", () => {
  it("a connection claiming the first mate's pane without or with a wrong token is refused first-mate tools", async () => {
    for (const hello of [{ pane: FIRST_MATE }, { pane: FIRST_MATE, token: "guessed" }]) {
      const impostor = await fixture.connect(hello);
      const result = await impostor.callTool({ name: "captains_log_append", arguments: { kind: "watch", text: "x" } });
      expect(result.isError).toBe(true);
      expect(resultText(result)).toBe("only the first mate may call captains_log_append");
    }
    expect(fixture.host.log).toEqual([]);
  });

  it("an unverified hello for the marked pane does not evict the verified first mate", async () => {
    const events: ChannelEvent[] = [];
    fixture.server.channel.subscribe((event) => events.push(event));
    const firstMate = await fixture.connect({ pane: FIRST_MATE, token: TOKEN });
    const pushes = collectPushes(firstMate);
    await eventually(() => attachedEvents(events, FIRST_MATE).length === 1);

    await expect(fixture.connect({ pane: FIRST_MATE, token: "wrong" })).rejects.toThrow();
    await expect(fixture.connect({ pane: FIRST_MATE })).rejects.toThrow();

    expect(await fixture.server.channel.emit(FIRST_MATE, "still yours", { kind: "digest" })).toBe(true);
    await eventually(() => pushes.length === 1);
    expect(pushes).toEqual([{ content: "still yours", meta: { kind: "digest" } }]);
    expect(events.filter((event) => event.type === "detached")).toEqual([]);
    expect((await firstMate.callTool({ name: "fleet_digest", arguments: {} })).isError).toBeFalsy();
  });

  it("a push to the marked pane is not delivered to an unverified session holding it", async () => {
    const impostor = await fixture.connect({ pane: FIRST_MATE });
    const pushes = collectPushes(impostor);
    await eventually(() => fixture.server.sessions().some((session) => session.attached));
    expect(await fixture.server.channel.emit(FIRST_MATE, "secret digest", { kind: "digest" })).toBe(false);
    // The real first mate then takes the pane over.
    const real = await fixture.connect({ pane: FIRST_MATE, token: TOKEN });
    const realPushes = collectPushes(real);
    await eventually(() => fixture.server.sessions().some((session) => session.firstMate));
    expect(await fixture.server.channel.emit(FIRST_MATE, "for you", { kind: "digest" })).toBe(true);
    await eventually(() => realPushes.length === 1);
    expect(pushes).toEqual([]);
  });
});

describe("sessions", () => {
  it("reports attached (with firstMate) after initialized, and detached when the client leaves", async () => {
    const events: ChannelEvent[] = [];
    fixture.server.channel.subscribe((event) => events.push(event));
    const worker = await fixture.connect({ pane: WORKER });
    const firstMate = await fixture.connect({ pane: FIRST_MATE, token: TOKEN });
    await eventually(() => events.length === 2);
    expect(events).toContainEqual({ type: "attached", paneId: WORKER, firstMate: false });
    expect(events).toContainEqual({ type: "attached", paneId: FIRST_MATE, firstMate: true });
    await worker.close();
    await eventually(() => events.length === 3);
    expect(events[2]).toEqual({ type: "detached", paneId: WORKER });
    expect(fixture.server.sessions().map((session) => session.paneId)).toEqual([FIRST_MATE]);
    await firstMate.close();
    await eventually(() => fixture.server.sessions().length === 0);
  });

  it("a newer connection for a pane replaces the older, whose teardown never evicts the newer", async () => {
    const events: ChannelEvent[] = [];
    fixture.server.channel.subscribe((event) => events.push(event));
    const older = await fixture.connect({ pane: WORKER });
    let olderClosed = false;
    older.onclose = () => {
      olderClosed = true;
    };
    await eventually(() => events.length === 1);
    const newer = await fixture.connect({ pane: WORKER });
    const pushes = collectPushes(newer);
    await eventually(() => olderClosed && attachedEvents(events, WORKER).length === 2);
    expect(events.map((event) => event.type)).toEqual(["attached", "detached", "attached"]);
    expect(fixture.server.sessions()).toHaveLength(1);
    expect(await fixture.server.channel.emit(WORKER, "to the newer", {})).toBe(true);
    await eventually(() => pushes.length === 1);
    expect((await newer.callTool({ name: "report", arguments: { message: "alive" } })).isError).toBeFalsy();
  });
});

describe("emit", () => {
  it("delivers exactly {content, meta} to the pane's session", async () => {
    const client = await fixture.connect({ pane: FIRST_MATE, token: TOKEN });
    const pushes = collectPushes(client);
    await eventually(() => fixture.server.sessions()[0]?.attached === true);
    const meta = { kind: "interrupt", seq: "42", source: "%7" };
    expect(await fixture.server.channel.emit(FIRST_MATE, "%7 needs a human: approve deploy", meta)).toBe(true);
    await eventually(() => pushes.length === 1);
    expect(pushes[0]).toEqual({ content: "%7 needs a human: approve deploy", meta });
  });

  it("returns false for a pane with no session, and after the session detached", async () => {
    expect(await fixture.server.channel.emit(WORKER, "anyone?", {})).toBe(false);
    const client = await fixture.connect({ pane: WORKER });
    await eventually(() => fixture.server.sessions()[0]?.attached === true);
    await client.close();
    await eventually(() => fixture.server.sessions().length === 0);
    expect(await fixture.server.channel.emit(WORKER, "anyone?", {})).toBe(false);
  });

  it("rejects meta keys outside [A-Za-z0-9_] without sending", async () => {
    const client = await fixture.connect({ pane: WORKER });
    const pushes = collectPushes(client);
    await eventually(() => fixture.server.sessions()[0]?.attached === true);
    const invalid: Record<string, string>[] = [
      { "bad-key": "x" },
      { "a.b": "x" },
      { "": "x" },
      { ok: 5 as unknown as string },
    ];
    for (const meta of invalid) {
      expect(await fixture.server.channel.emit(WORKER, "nope", meta)).toBe(false);
    }
    expect(await fixture.server.channel.emit(WORKER, "yes", { good_Key9: "x" })).toBe(true);
    await eventually(() => pushes.length === 1);
    expect(pushes).toEqual([{ content: "yes", meta: { good_Key9: "x" } }]);
  });
});

describe("bad connections", () => {
  const rawExchange = (socketPath: string, payload: string | Buffer): Promise<string> =>
    new Promise((resolve) => {
      const socket = connect(socketPath);
      let received = "";
      socket.on("data", (chunk) => {
        received += chunk.toString("utf8");
      });
      socket.on("error", () => undefined);
      socket.on("close", () => resolve(received));
      socket.on("connect", () => socket.write(payload));
    });

  it("a bad hello gets one JSON error line and is closed; the server keeps serving", async () => {
    const live = await fixture.connect({ pane: WORKER });
    for (const [payload, code] of [
      ["not json\n", "HelloNotJson"],
      ['{"pane":"7"}\n', "HelloInvalid"],
      ['{"pane":"%3","role":"hook"}\n', "HelloInvalid"],
      ['{"pane":"%3","role":"pilot"}\n', "HelloInvalid"],
      [`{"pane":"%3","token":"${"t".repeat(5000)}"}\n`, "HelloTooLong"],
      ["x".repeat(5000), "HelloTooLong"],
    ] as const) {
      const reply = await rawExchange(fixture.socketPath, payload);
      const lines = reply.trim().split("\n");
      expect(lines).toHaveLength(1);
      expect(JSON.parse(lines[0]!).error.code).toBe(code);
    }
    expect((await live.callTool({ name: "report", arguments: { message: "fine" } })).isError).toBeFalsy();
  });

  it("a frame over 1 MiB closes only that connection, with an error", async () => {
    const other = await fixture.connect({ pane: "%3" });
    const hello = JSON.stringify({ pane: WORKER });
    const reply = await rawExchange(fixture.socketPath, `${hello}\n${"x".repeat(MAX_FRAME_BYTES + 10)}\n`);
    expect(JSON.parse(reply.trim()).error.message).toContain("exceeds");
    expect((await other.callTool({ name: "report", arguments: { message: "fine" } })).isError).toBeFalsy();
  });
});

describe("socket path safety", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "fm-sock-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("creates the directory 0700 and the socket 0600", async () => {
    const socketPath = join(dir, "a", "b", "channel.sock");
    const server = createChannelServer({ socketPath, host: new FakeToolHost() });
    try {
      expect(E.isRight(await server.listen())).toBe(true);
      expect((await stat(join(dir, "a", "b"))).mode & 0o777).toBe(0o700);
      expect((await stat(socketPath)).mode & 0o777).toBe(0o600);
    } finally {
      await server.close();
    }
  });

  it("refuses a group- or world-accessible directory", async () => {
    const open = join(dir, "open");
    await mkdir(open);
    await chmod(open, 0o755);
    const server = createChannelServer({ socketPath: join(open, "channel.sock"), host: new FakeToolHost() });
    const result = await server.listen();
    expect(E.isLeft(result) && result.left._tag).toBe("ChannelSocketInsecure");
    await server.close();
  });

  it("refuses a directory owned by someone else", async () => {
    const uid = process.getuid?.() ?? 0;
    let foreign = "/";
    if (uid === 0) {
      foreign = join(dir, "foreign");
      await mkdir(foreign, { mode: 0o700 });
      await chown(foreign, 4321, 4321);
    }
    const server = createChannelServer({ socketPath: join(foreign, "channel.sock"), host: new FakeToolHost() });
    const result = await server.listen();
    expect(E.isLeft(result) && result.left._tag).toBe("ChannelSocketInsecure");
    expect(E.isLeft(result) && result.left.message).toContain("owned by");
    await server.close();
  });

  it("replaces a stale socket from a dead server, refuses a live one and a non-socket file", async () => {
    const socketPath = join(dir, "channel.sock");
    // A server killed with SIGKILL leaves its socket file behind: a stale socket.
    const crashed = spawn(process.execPath, [
      "-e",
      `require("node:net").createServer().listen(${JSON.stringify(socketPath)}, () => console.log("up"))`,
    ]);
    try {
      await new Promise<void>((resolve) => crashed.stdout.once("data", () => resolve()));
    } finally {
      crashed.kill("SIGKILL");
    }
    await new Promise((resolve) => crashed.once("exit", resolve));
    expect((await lstat(socketPath)).isSocket()).toBe(true);
    const first = createChannelServer({ socketPath, host: new FakeToolHost() });
    expect(E.isRight(await first.listen())).toBe(true);
    const second = createChannelServer({ socketPath, host: new FakeToolHost() });
    const inUse = await second.listen();
    expect(E.isLeft(inUse) && inUse.left._tag).toBe("ChannelSocketInUse");
    await first.close();
    const notSocket = join(dir, "plain");
    await writeFile(notSocket, "hello");
    const third = createChannelServer({ socketPath: notSocket, host: new FakeToolHost() });
    const refused = await third.listen();
    expect(E.isLeft(refused) && refused.left._tag).toBe("ChannelSocketFailed");
  });
});
