import type { EmbedderHost, EmbedderNotice, PaneId } from "@first-mate/core";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { z } from "zod";
import { AGENT_TOOLS, FIRST_MATE_TOOLS } from "../src/channelTools.js";
import { EMBEDDER_ALERT_METHOD, EMBEDDER_EVENT_METHOD, EMBEDDER_TOOLS } from "../src/embedderTools.js";
import { eventually, resultText } from "./support/channelFixture.js";
import {
  AlertSchema,
  EMBEDDER_TOKEN,
  type EmbedderFixture,
  EventNotificationSchema,
  spawnTokenFor,
  startEmbedderFixture,
} from "./support/embedderFixture.js";
import { openRaw } from "./support/rawConnection.js";

const EMBEDDER_ONLY = EMBEDDER_TOOLS.filter((tool) => !(FIRST_MATE_TOOLS as readonly string[]).includes(tool));

let fixture: EmbedderFixture;
afterEach(async () => {
  await fixture.dispose();
});

const connectEmbedder = (name = "orchestrator") => fixture.connect({ role: "embedder", token: EMBEDDER_TOKEN }, name);

const callTool = async (client: Client, name: string, args: Record<string, unknown> = {}) => {
  const result = await client.callTool({ name, arguments: args });
  return { isError: result.isError === true, text: resultText(result), result };
};

/** Start the runtime, then attach the first mate it spawned with its real spawn token. */
const attachFirstMate = async (): Promise<{ client: Client; pane: PaneId }> => {
  await fixture.runtime.start();
  await fixture.runtime.idle();
  const pane = fixture.runtime.status().firstMate!.paneId;
  const client = await fixture.connect({ pane, token: spawnTokenFor(1) }, "first-mate");
  await eventually(() => fixture.runtime.status().firstMateAttached);
  return { client, pane };
};

describe("embedder admission", () => {
  beforeEach(async () => {
    fixture = await startEmbedderFixture();
  });

  it("the embedder token opens a session with exactly the embedder tools and their instructions", async () => {
    const client = await connectEmbedder();
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual([...EMBEDDER_TOOLS].sort());
    const instructions = client.getInstructions() ?? "";
    expect(instructions).toContain(EMBEDDER_ALERT_METHOD);
    expect(instructions).toContain(EMBEDDER_EVENT_METHOD);
    expect(client.getServerCapabilities()?.experimental).toEqual({ "first_mate/embedder": {} });
    await eventually(() => fixture.server.embedders().some((info) => info.attached));
    expect(fixture.server.embedders()).toEqual([expect.objectContaining({ paneId: null, clientName: "orchestrator" })]);
    expect(fixture.server.sessions()).toEqual([]);
  });

  it("an embedder may name its pane; it does not take a pane session", async () => {
    await connectEmbedder();
    const withPane = await fixture.connect({ role: "embedder", token: EMBEDDER_TOKEN, pane: "%3" }, "in-pane");
    expect((await withPane.listTools()).tools).toHaveLength(EMBEDDER_TOOLS.length);
    await eventually(() => fixture.server.embedders().length === 2);
    expect(
      fixture.server
        .embedders()
        .map((info) => info.paneId)
        .sort(),
    ).toEqual(["%3", null].sort());
    expect(fixture.server.sessions()).toEqual([]);
  });

  it.each([
    ["a wrong token", { role: "embedder", token: "not-the-token" }, "HelloUnauthorized"],
    ["no token", { role: "embedder" }, "HelloUnauthorized"],
    ["the token's hash instead of the token", { role: "embedder", token: "x".repeat(64) }, "HelloUnauthorized"],
  ])("refuses %s with one error line and a close, and keeps serving", async (_label, hello, code) => {
    const raw = await openRaw(fixture.socketPath);
    raw.write(`${JSON.stringify(hello)}\n`);
    await raw.closed;
    expect(raw.lines).toHaveLength(1);
    expect(JSON.parse(raw.lines[0]!).error.code).toBe(code);
    expect(fixture.server.embedders()).toEqual([]);
    const client = await connectEmbedder();
    expect((await callTool(client, "status")).isError).toBe(false);
  });

  it("a server without embedder access refuses embedder hellos", async () => {
    const { startChannelFixture } = await import("./support/channelFixture.js");
    const plain = await startChannelFixture();
    try {
      const raw = await openRaw(plain.socketPath);
      raw.write(`${JSON.stringify({ role: "embedder", token: EMBEDDER_TOKEN })}\n`);
      await raw.closed;
      expect(JSON.parse(raw.lines[0]!).error.code).toBe("HelloRoleUnsupported");
    } finally {
      await plain.dispose();
    }
  });
});

describe("tool separation", () => {
  beforeEach(async () => {
    fixture = await startEmbedderFixture();
  });

  it("agents neither see nor may call embedder tools", async () => {
    const { client: firstMate } = await attachFirstMate();
    const worker = await fixture.connect({ pane: "%77" }, "worker");
    for (const agent of [firstMate, worker]) {
      const names = (await agent.listTools()).tools.map((tool) => tool.name);
      for (const tool of EMBEDDER_ONLY) expect(names).not.toContain(tool);
    }
    const calls: [string, Record<string, unknown>][] = [
      ["update_inputs", { panes: { "%77": { statusLine: "forged" } } }],
      ["set_kill_switch", { on: true }],
      ["reset_supervisor", {}],
      ["status", {}],
    ];
    for (const agent of [firstMate, worker]) {
      for (const [name, args] of calls) {
        const outcome = await callTool(agent, name, args);
        expect(outcome.isError).toBe(true);
        expect(outcome.text).toContain("not found");
      }
    }
    expect(fixture.runtime.status().killSwitch).toBe(false);
    expect(fixture.runtime.digest().panes.map((pane) => pane.status)).not.toContain("forged");
  });

  it("embedders may not call agent or first-mate tools", async () => {
    const client = await connectEmbedder();
    const calls: [string, Record<string, unknown>][] = [
      ["notify", { message: "hi", kind: "need_human" }],
      ["report", { message: "hi" }],
      ["captains_log_append", { kind: "narrative", text: "forged" }],
      ["peek", { pane: "%1" }],
      ["nudge", { pane: "%1", message: "go" }],
    ];
    for (const [name, args] of calls) {
      const outcome = await callTool(client, name, args);
      expect(outcome.isError).toBe(true);
      expect(outcome.text).toContain("not found");
    }
    for (const tool of AGENT_TOOLS) expect(EMBEDDER_TOOLS as readonly string[]).not.toContain(tool);
    expect(fixture.store.snapshot().log.filter((entry) => entry.text === "forged")).toEqual([]);
  });
});

describe("embedder tools on the real runtime", () => {
  beforeEach(async () => {
    fixture = await startEmbedderFixture();
  });

  it("update_inputs changes the digest the first mate pulls", async () => {
    const worker = fixture.tmux.addPane({ command: "claude", title: "claude", windowName: "api" });
    const { client: firstMate } = await attachFirstMate();
    const before = await callTool(firstMate, "fleet_digest");
    expect(before.text).not.toContain("reviewing the retry patch");

    const embedder = await connectEmbedder();
    const resetsAt = Date.UTC(2030, 0, 1);
    const update = await callTool(embedder, "update_inputs", {
      panes: { [worker]: { statusLine: "reviewing the retry patch", pr: 412, ci: "pending", watched: true } },
      usage: { percent: 42, resetsAt },
    });
    expect(update).toMatchObject({ isError: false, text: "inputs updated (1 pane, usage)" });

    const after = await callTool(firstMate, "fleet_digest");
    expect(after.text).toContain("reviewing the retry patch");
    expect(after.text).toContain("budget 42%");
    const digest = fixture.runtime.digest();
    expect(digest.panes.find((pane) => pane.handle === worker)).toMatchObject({
      status: "reviewing the retry patch",
      pr: 412,
      ci: "pending",
    });
    expect(digest.budget).toEqual({ percent: 42, resetsAt });

    const embedderDigest = await callTool(embedder, "fleet_digest");
    const content = embedderDigest.result.content as { type: string; text: string }[];
    expect(content[0]!.text).toBe(after.text);
    expect(JSON.parse(content[1]!.text).budget).toEqual({ percent: 42, resetsAt });
  });

  it("status, captains_log_read, set_kill_switch and reset_supervisor answer from the runtime", async () => {
    await attachFirstMate();
    const embedder = await connectEmbedder();
    const status = JSON.parse((await callTool(embedder, "status")).text);
    expect(status).toMatchObject({ running: true, firstMateAttached: true, killSwitch: false, gaveUp: false });

    expect(await callTool(embedder, "set_kill_switch", { on: true })).toMatchObject({ isError: false });
    expect(fixture.runtime.status().killSwitch).toBe(true);
    expect(fixture.store.snapshot().killSwitch).toBe(true);
    expect(await callTool(embedder, "set_kill_switch", { on: false })).toMatchObject({ isError: false });
    expect(fixture.runtime.status().killSwitch).toBe(false);
    expect(await callTool(embedder, "reset_supervisor")).toMatchObject({ isError: false });

    const log = JSON.parse((await callTool(embedder, "captains_log_read", { limit: 200 })).text) as {
      kind: string;
      text: string;
    }[];
    expect(log.length).toBeGreaterThan(0);
    expect(log.every((entry) => typeof entry.text === "string")).toBe(true);
    const standing = JSON.parse((await callTool(embedder, "captains_log_read", { kind: "standing_order" })).text);
    expect(standing).toEqual([]);
  });

  it("bad update_inputs arguments are isError, change nothing, and the server keeps serving", async () => {
    const worker = fixture.tmux.addPane({ command: "claude", title: "claude" });
    await attachFirstMate();
    const embedder = await connectEmbedder();
    const digestBefore = JSON.stringify(fixture.runtime.digest().panes);
    const bad: Record<string, unknown>[] = [
      { panes: { "7": { statusLine: "no percent sign" } } },
      { panes: { [worker]: { ci: "purple" } } },
      { panes: { [worker]: { statusLine: "x".repeat(501) } } },
      { panes: { [worker]: { pr: -3 } } },
      { usage: { percent: 150, resetsAt: null } },
      { usage: { percent: 10 } },
      { panes: "not an object" },
    ];
    for (const args of bad) {
      const outcome = await callTool(embedder, "update_inputs", args);
      expect(outcome.isError, JSON.stringify(args)).toBe(true);
      expect(outcome.text.length).toBeGreaterThan(0);
    }
    expect(JSON.stringify(fixture.runtime.digest().panes)).toBe(digestBefore);
    // The same session and a new one still work.
    expect((await callTool(embedder, "update_inputs", { panes: { [worker]: { statusLine: "ok" } } })).isError).toBe(
      false,
    );
    const again = await connectEmbedder("second");
    expect((await callTool(again, "status")).isError).toBe(false);
  });

  it("the runtime's updateInputs rejection is an isError result, not a crash", async () => {
    await fixture.runtime.start();
    // Past the SDK's schema, the runtime validates again: the host's answer is what the tool renders.
    const rejected = await fixture.embedderHost.updateInputs({
      panes: { "%1": { ci: "purple" as "red" } },
    });
    expect(rejected).toMatchObject({ _tag: "Left", left: { _tag: "ToolInvalidInput" } });
  });
});

describe("notifications", () => {
  it("a crash-loop alert raised by the runtime reaches every attached embedder", async () => {
    fixture = await startEmbedderFixture();
    const first = await connectEmbedder("one");
    const second = await connectEmbedder("two");
    const received: Record<string, z.infer<typeof AlertSchema>["params"][]> = { one: [], two: [] };
    first.setNotificationHandler(AlertSchema, (notification) => {
      received.one!.push(notification.params);
    });
    second.setNotificationHandler(AlertSchema, (notification) => {
      received.two!.push(notification.params);
    });
    await eventually(() => fixture.server.embedders().filter((info) => info.attached).length === 2);

    fixture.tmux.queueSpawns("fail", "fail", "fail");
    await fixture.runtime.start();
    await fixture.runtime.idle();
    for (let round = 0; round < 20 && !fixture.runtime.status().gaveUp; round++) {
      fixture.clock.advance(10_000);
      await fixture.runtime.idle();
    }
    expect(fixture.runtime.status().gaveUp).toBe(true);
    await eventually(() => received.one!.length > 0 && received.two!.length > 0);
    for (const alerts of [received.one!, received.two!]) {
      expect(alerts).toEqual([
        expect.objectContaining({ level: "critical", code: "first_mate_crash_loop", at: expect.any(Number) }),
      ]);
      expect(alerts[0]!.message).toContain("gave up");
    }
    // The embedder can undo it.
    expect((await callTool(first, "reset_supervisor")).isError).toBe(false);
    expect(fixture.runtime.status().gaveUp).toBe(false);
  });

  it("events from the host reach embedders as notifications/first_mate/event, and only them", async () => {
    const listeners = new Set<(notice: EmbedderNotice) => void>();
    fixture = await startEmbedderFixture({
      wrapHost: (host): EmbedderHost => ({
        ...host,
        subscribe: (listener) => {
          listeners.add(listener);
          const unsubscribe = host.subscribe(listener);
          return () => {
            listeners.delete(listener);
            unsubscribe();
          };
        },
      }),
    });
    const embedder = await connectEmbedder();
    const events: z.infer<typeof EventNotificationSchema>["params"][] = [];
    embedder.setNotificationHandler(EventNotificationSchema, (notification) => {
      events.push(notification.params);
    });
    const worker = await fixture.connect({ pane: "%9" }, "worker");
    const workerHeard: unknown[] = [];
    worker.fallbackNotificationHandler = async (notification) => {
      workerHeard.push(notification);
    };
    await eventually(() => listeners.size === 1);
    const proposal = { id: 7, text: "may spawn reviewers for PR 412" };
    for (const listener of listeners) listener({ kind: "event", type: "proposal", at: 1_000, data: proposal });
    for (const listener of listeners) listener({ kind: "event", type: "conn_changed", at: 1_001, data: {} });
    await eventually(() => events.length === 2);
    expect(events).toEqual([
      { type: "proposal", at: 1_000, data: proposal },
      { type: "conn_changed", at: 1_001, data: {} },
    ]);
    expect(workerHeard).toEqual([]);

    // A closed embedder session stops listening.
    await embedder.close();
    await eventually(() => listeners.size === 0);
  });
});
