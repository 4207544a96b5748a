/**
 * The embedder's authority tools over the real socket with the SDK client,
 * on the real core runtime (fake tmux, store and clock): conn handoff and
 * take-back, proposals and role extensions, and the event notifications
 * that tell an orchestrator about them.
 */
import type { PaneId } from "@first-mate/core";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { z } from "zod";
import { MAX_HANDOFF_MINUTES } from "../src/embedderTools.js";
import { eventually, resultText } from "./support/channelFixture.js";
import {
  AlertSchema,
  EMBEDDER_TOKEN,
  type EmbedderFixture,
  EventNotificationSchema,
  spawnTokenFor,
  startEmbedderFixture,
} from "./support/embedderFixture.js";

type EventParams = z.infer<typeof EventNotificationSchema>["params"];
type AlertParams = z.infer<typeof AlertSchema>["params"];

const MINUTE = 60_000;

let fixture: EmbedderFixture;
beforeEach(async () => {
  fixture = await startEmbedderFixture();
});
afterEach(async () => {
  await fixture.dispose();
});

const callTool = async (client: Client, name: string, args: Record<string, unknown> = {}) => {
  const result = await client.callTool({ name, arguments: args });
  const content = result.content as { type: string; text: string }[];
  return { isError: result.isError === true, text: resultText(result), content };
};

/** The JSON part of a tool result (its last text). */
const jsonOf = (outcome: { content: { text: string }[] }): unknown => JSON.parse(outcome.content.at(-1)!.text);

/** An embedder that records every alert and event it is sent. */
const connectEmbedder = async (name = "orchestrator") => {
  const client = await fixture.connect({ role: "embedder", token: EMBEDDER_TOKEN }, name);
  const events: EventParams[] = [];
  const alerts: AlertParams[] = [];
  client.setNotificationHandler(EventNotificationSchema, (notification) => {
    events.push(notification.params);
  });
  client.setNotificationHandler(AlertSchema, (notification) => {
    alerts.push(notification.params);
  });
  await eventually(() => fixture.server.embedders().some((info) => info.clientName === name && info.attached));
  return { client, events, alerts };
};

/** A worker pane, then the runtime started and its first mate attached with its real spawn token. */
const startFleet = async (): Promise<{ firstMate: Client; worker: PaneId }> => {
  const worker = fixture.tmux.addPane({ command: "claude", title: "claude", windowName: "api" });
  await fixture.runtime.start();
  await fixture.runtime.idle();
  const pane = fixture.runtime.status().firstMate!.paneId;
  const firstMate = await fixture.connect({ pane, token: spawnTokenFor(1) }, "first-mate");
  await eventually(() => fixture.runtime.status().firstMateAttached);
  return { firstMate, worker };
};

const connEvents = (events: EventParams[]) => events.filter((event) => event.type === "conn");

describe("conn handoff and take-back", () => {
  it("a handoff lets the first mate act within its scope; take-back returns the conn, each told as a conn event", async () => {
    const { firstMate, worker } = await startFleet();
    const embedder = await connectEmbedder();

    const before = await callTool(embedder.client, "conn_status");
    expect(before.isError).toBe(false);
    expect(before.text).toContain("the conn is with the human");
    expect(jsonOf(before)).toMatchObject({ conn: { holder: "human" }, deferredSpawns: [] });

    const handed = await callTool(embedder.client, "conn_handoff", {
      scope: { actions: ["assign_task"], targets: ["api"] },
      minutes: 30,
      escalation: "wake me for anything touching main",
    });
    expect(handed.isError, handed.text).toBe(false);
    const expiresAt = fixture.clock.now() + 30 * MINUTE;
    const held = {
      holder: "first_mate",
      expiresAt,
      scope: { actions: ["assign_task"], targets: ["api"] },
      escalation: "wake me for anything touching main",
      firstMateAttempt: 1,
    };
    expect(jsonOf(handed)).toMatchObject(held);
    expect(jsonOf(await callTool(embedder.client, "conn_status"))).toMatchObject({ conn: held });

    const assigned = await callTool(firstMate, "assign_task", { pane: worker, task: "rebase onto main" });
    expect(assigned.isError, assigned.text).toBe(false);
    expect(fixture.tmux.sent).toContainEqual({ paneId: worker, text: "rebase onto main" });

    const taken = await callTool(embedder.client, "conn_take_back");
    expect(taken).toMatchObject({ isError: false, text: expect.stringContaining("the conn is with the human") });
    expect(fixture.runtime.authority.conn().holder).toBe("human");
    expect(jsonOf(await callTool(embedder.client, "conn_status"))).toMatchObject({ conn: { holder: "human" } });

    await eventually(() => connEvents(embedder.events).length === 2);
    expect(connEvents(embedder.events).map((event) => event.data)).toEqual([
      { conn: expect.objectContaining(held), reason: "handed_off" },
      { conn: { holder: "human", since: expect.any(Number) }, reason: "taken_back" },
    ]);
    // A take-back with the human already holding it changes nothing and is no error.
    expect((await callTool(embedder.client, "conn_take_back")).isError).toBe(false);
    await fixture.runtime.idle();
    expect(connEvents(embedder.events)).toHaveLength(2);
  });

  it("the conn expires on the clock, and the embedder hears why", async () => {
    await startFleet();
    const embedder = await connectEmbedder();
    const handed = await callTool(embedder.client, "conn_handoff", { scope: { actions: ["terminate"] }, minutes: 1 });
    expect(handed.isError, handed.text).toBe(false);
    expect(jsonOf(handed)).toMatchObject({ scope: { actions: ["terminate"], targets: ["*"] } });
    fixture.clock.advance(MINUTE + 1);
    await fixture.runtime.idle();
    await eventually(() => connEvents(embedder.events).length === 2);
    expect(connEvents(embedder.events)[1]!.data).toMatchObject({ conn: { holder: "human" }, reason: "expired" });
    await eventually(() => embedder.alerts.some((alert) => alert.code === "conn.returned"));
  });

  it("a handoff with no first mate is refused with the reason, and nothing changes", async () => {
    // The first spawn fails, and the retry waits on the (fake) clock: there is no first mate.
    fixture.tmux.queueSpawns("fail");
    await fixture.runtime.start();
    await fixture.runtime.idle();
    expect(fixture.runtime.status().firstMate).toBeNull();
    const embedder = await connectEmbedder();
    const refused = await callTool(embedder.client, "conn_handoff", {
      scope: { actions: ["spawn_worker"] },
      minutes: 5,
    });
    expect(refused.isError).toBe(true);
    expect(refused.text).toContain("no first mate");
    expect(fixture.runtime.authority.conn().holder).toBe("human");
    expect(connEvents(embedder.events)).toEqual([]);
  });

  it("bad handoff arguments are isError, change nothing, and the server keeps serving", async () => {
    await startFleet();
    const embedder = await connectEmbedder();
    const bad: Record<string, unknown>[] = [
      {},
      { minutes: 5 },
      { scope: { actions: [] }, minutes: 5 },
      { scope: { actions: ["merge_pr"] }, minutes: 5 },
      { scope: { actions: ["terminate"], targets: [] }, minutes: 5 },
      { scope: { actions: ["terminate"] }, minutes: 0 },
      { scope: { actions: ["terminate"] }, minutes: -3 },
      { scope: { actions: ["terminate"] }, minutes: MAX_HANDOFF_MINUTES + 1 },
      { scope: { actions: ["terminate"] }, minutes: "ten" },
      { scope: { actions: ["terminate"] }, minutes: 5, escalation: "" },
      { scope: "everything", minutes: 5 },
    ];
    for (const args of bad) {
      const outcome = await callTool(embedder.client, "conn_handoff", args);
      expect(outcome.isError, JSON.stringify(args)).toBe(true);
      expect(outcome.text.length).toBeGreaterThan(0);
    }
    expect(fixture.runtime.authority.conn().holder).toBe("human");
    expect((await callTool(embedder.client, "status")).isError).toBe(false);
    const good = await callTool(embedder.client, "conn_handoff", { scope: { actions: ["terminate"] }, minutes: 0.5 });
    expect(good.isError, good.text).toBe(false);
    expect(fixture.runtime.authority.conn()).toMatchObject({
      holder: "first_mate",
      expiresAt: fixture.clock.now() + 30_000,
    });
  });
});

describe("proposals", () => {
  it("a first-mate action without the conn becomes a proposal event, listed and decided by the embedder", async () => {
    const { firstMate, worker } = await startFleet();
    const embedder = await connectEmbedder();
    const other = await connectEmbedder("dashboard");

    const refused = await callTool(firstMate, "assign_task", { pane: worker, task: "delete the cache" });
    expect(refused.isError).toBe(true);
    expect(refused.text).toContain("proposal #1");
    expect(fixture.tmux.sent).toEqual([]);

    const action = { kind: "assign_task", target: { paneId: worker, name: "api" }, args: { task: "delete the cache" } };
    for (const listener of [embedder, other]) {
      await eventually(() => listener.events.some((event) => event.type === "proposal"));
      expect(listener.events.filter((event) => event.type === "proposal")).toEqual([
        {
          type: "proposal",
          at: expect.any(Number),
          data: { id: 1, action, reason: expect.stringContaining("human holds the conn"), handBack: null },
        },
      ]);
      // The alert for the human still comes as an alert.
      await eventually(() => listener.alerts.some((alert) => alert.code === "authority.proposal"));
    }

    const listed = await callTool(embedder.client, "proposals_list");
    expect(listed.isError).toBe(false);
    expect(jsonOf(listed)).toEqual([expect.objectContaining({ id: 1, status: "pending", action })]);
    expect(jsonOf(await callTool(embedder.client, "proposals_list", { status: "approved" }))).toEqual([]);

    const approved = await callTool(embedder.client, "proposal_decide", { id: 1, decision: "approve", by: "ana" });
    expect(approved.isError, approved.text).toBe(false);
    expect(approved.text).toContain("proposal #1 approved");
    expect(jsonOf(approved)).toMatchObject({ id: 1, status: "approved", decidedBy: "ana" });
    expect(jsonOf(await callTool(embedder.client, "proposals_list", { status: "pending" }))).toEqual([]);
    expect(jsonOf(await callTool(embedder.client, "proposals_list", { status: "approved" }))).toEqual([
      expect.objectContaining({ id: 1, decidedAt: expect.any(Number) }),
    ]);
    // Recording the decision runs nothing.
    expect(fixture.tmux.sent).toEqual([]);

    const again = await callTool(embedder.client, "proposal_decide", { id: 1, decision: "reject" });
    expect(again.isError).toBe(true);
    expect(again.text).toContain("already approved");
  });

  it("an out-of-scope action is a proposal that hands the conn back, told as both events", async () => {
    const { firstMate, worker } = await startFleet();
    const embedder = await connectEmbedder();
    expect(
      (await callTool(embedder.client, "conn_handoff", { scope: { actions: ["assign_task"] }, minutes: 10 })).isError,
    ).toBe(false);
    const terminated = await callTool(firstMate, "terminate", { pane: worker });
    expect(terminated.isError).toBe(true);
    expect(fixture.tmux.panes.has(worker)).toBe(true);
    await eventually(() => connEvents(embedder.events).length === 2);
    const proposal = embedder.events.find((event) => event.type === "proposal");
    expect(proposal?.data).toMatchObject({ id: 1, action: { kind: "terminate" }, handBack: "out_of_scope" });
    expect(connEvents(embedder.events)[1]!.data).toMatchObject({ conn: { holder: "human" }, reason: "out_of_scope" });
    // The proposal is told before the conn change it caused.
    expect(embedder.events.indexOf(proposal!)).toBeLessThan(embedder.events.indexOf(connEvents(embedder.events)[1]!));
    expect(jsonOf(await callTool(embedder.client, "conn_status"))).toMatchObject({ conn: { holder: "human" } });
  });

  it("bad decisions are isError and the server keeps serving", async () => {
    const { firstMate, worker } = await startFleet();
    const embedder = await connectEmbedder();
    await callTool(firstMate, "assign_task", { pane: worker, task: "x" });
    const bad: [string, Record<string, unknown>][] = [
      ["proposal_decide", { id: 99, decision: "approve" }],
      ["proposal_decide", { id: 0, decision: "approve" }],
      ["proposal_decide", { id: 1.5, decision: "approve" }],
      ["proposal_decide", { id: 1, decision: "maybe" }],
      ["proposal_decide", { id: 1 }],
      ["proposal_decide", { id: 1, decision: "approve", by: "" }],
      ["proposals_list", { status: "lost" }],
      ["role_decide", { id: 99, decision: "approve" }],
      ["role_decide", { id: "1", decision: "reject" }],
      ["role_list", { status: "pending" }],
    ];
    for (const [tool, args] of bad) {
      const outcome = await callTool(embedder.client, tool, args);
      expect(outcome.isError, `${tool} ${JSON.stringify(args)}`).toBe(true);
      expect(outcome.text.length).toBeGreaterThan(0);
    }
    expect(jsonOf(await callTool(embedder.client, "proposals_list"))).toEqual([
      expect.objectContaining({ id: 1, status: "pending" }),
    ]);
    const rejected = await callTool(embedder.client, "proposal_decide", { id: 1, decision: "reject" });
    expect(jsonOf(rejected)).toMatchObject({ status: "rejected", decidedBy: "human" });
  });
});

describe("role extensions", () => {
  it("a proposed role extension reaches the embedder as an event; role_list and role_decide settle it", async () => {
    const { firstMate } = await startFleet();
    const embedder = await connectEmbedder();
    const text = "Review every PR that touches the billing code before it merges.";
    const proposed = await callTool(firstMate, "propose_role_change", { text });
    expect(proposed.isError, proposed.text).toBe(false);

    await eventually(() => embedder.events.some((event) => event.type === "role_proposal"));
    expect(embedder.events.find((event) => event.type === "role_proposal")).toEqual({
      type: "role_proposal",
      at: expect.any(Number),
      data: { id: 1, text },
    });
    expect(jsonOf(await callTool(embedder.client, "role_list", { status: "proposed" }))).toEqual([
      expect.objectContaining({ id: 1, text, status: "proposed" }),
    ]);

    await callTool(firstMate, "propose_role_change", { text: "Merge green PRs yourself." });
    const approved = await callTool(embedder.client, "role_decide", { id: 1, decision: "approve" });
    expect(approved.isError, approved.text).toBe(false);
    expect(approved.text).toContain("joins the prompt");
    const rejected = await callTool(embedder.client, "role_decide", { id: 2, decision: "reject", by: "ana" });
    expect(jsonOf(rejected)).toMatchObject({ id: 2, status: "rejected", decidedBy: "ana" });

    expect(jsonOf(await callTool(embedder.client, "role_list", { status: "approved" }))).toEqual([
      expect.objectContaining({ id: 1, text }),
    ]);
    expect(jsonOf(await callTool(embedder.client, "role_list"))).toHaveLength(2);
    expect((await callTool(embedder.client, "role_decide", { id: 1, decision: "reject" })).isError).toBe(true);
  });
});
