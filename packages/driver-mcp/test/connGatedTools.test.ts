import type { PaneId } from "@first-mate/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { CHANNEL_NOTIFICATION_METHOD } from "../src/channelServer.js";
import { CONN_GATED_TOOLS, FIRST_MATE_TOOLS } from "../src/channelTools.js";
import { eventually, resultText } from "./support/channelFixture.js";
import { type ConnFixture, FIRST_MATE_TOKEN, startConnFixture } from "./support/connFixture.js";

const PushSchema = z.object({
  method: z.literal(CHANNEL_NOTIFICATION_METHOD),
  params: z.object({ content: z.string(), meta: z.record(z.string(), z.string()) }),
});

let fixture: ConnFixture;
beforeEach(async () => {
  fixture = await startConnFixture();
});
afterEach(async () => {
  await fixture.dispose();
});

const firstMate = async () => {
  const client = await fixture.connect({ pane: fixture.firstMatePane, token: FIRST_MATE_TOKEN });
  const pushes: z.infer<typeof PushSchema>["params"][] = [];
  client.setNotificationHandler(PushSchema, (push) => {
    pushes.push(push.params);
  });
  await eventually(() => fixture.runtime.status().firstMateAttached);
  return { client, pushes };
};

const windows = async () =>
  (await fixture.tmuxCommand(["list-windows", "-t", "=fleet:", "-F", "#{window_name}"])).split("\n").filter(Boolean);
const logText = () => fixture.store.snapshot().log.map((entry) => entry.text);
const ALL = { actions: [...CONN_GATED_TOOLS], targets: ["*"] };

describe("conn-gated tools", () => {
  it("are first-mate tools, listed for every session", async () => {
    const { client } = await firstMate();
    const { tools } = await client.listTools();
    for (const tool of CONN_GATED_TOOLS) {
      expect(FIRST_MATE_TOOLS as readonly string[]).toContain(tool);
      expect(tools.map((listed) => listed.name)).toContain(tool);
    }
  });

  it("are refused without the conn: nothing runs, and each becomes a proposal the human sees", async () => {
    const { client } = await firstMate();
    const alerts: string[] = [];
    fixture.runtime.subscribe((report) => {
      if (report.type === "alert") alerts.push(report.code);
    });
    const spawned = await client.callTool({ name: "spawn_worker", arguments: { name: "helper", task: "write docs" } });
    expect(spawned.isError).toBe(true);
    expect(resultText(spawned)).toContain("not run: the human holds the conn; recorded as proposal #1");
    const terminated = await client.callTool({ name: "terminate", arguments: { pane: "%0" } });
    expect(terminated.isError).toBe(true);
    expect(await windows()).toEqual(["keepalive"]);
    const [proposal] = fixture.store.authoritySnapshot().proposals;
    expect(proposal).toMatchObject({
      id: 1,
      status: "pending",
      action: { kind: "spawn_worker", target: { name: "helper" }, args: { task: "write docs" } },
    });
    await fixture.runtime.idle();
    expect(alerts).toContain("authority.proposal");
    expect(logText().some((text) => text.startsWith("proposal #1"))).toBe(true);
  });

  it("run with the conn against tmux — spawn, assign, terminate — each logged in the captain's log", async () => {
    const { client, pushes } = await firstMate();
    const handed = await fixture.runtime.authority.handOffConn({ scope: ALL, durationMs: 120_000 });
    expect(handed._tag).toBe("Right");
    await eventually(() => pushes.some((push) => push.meta.kind === "conn" && push.meta.holder === "first_mate"));

    const spawned = await client.callTool({
      name: "spawn_worker",
      arguments: { name: "helper", task: "hello from the first mate" },
    });
    expect(spawned.isError).toBeFalsy();
    const pane = /in (%\d+)/.exec(resultText(spawned))?.[1] as PaneId;
    expect(pane).toMatch(/^%\d+$/);
    expect(await windows()).toContain("helper");
    await eventually(async () =>
      (await fixture.tmuxCommand(["capture-pane", "-p", "-t", pane])).includes("hello from the first mate"),
    );

    await fixture.waitForPane(pane, true);
    const assigned = await client.callTool({ name: "assign_task", arguments: { pane, task: "second task" } });
    expect(assigned.isError).toBeFalsy();
    await eventually(async () =>
      (await fixture.tmuxCommand(["capture-pane", "-p", "-t", pane])).includes("second task"),
    );

    const terminated = await client.callTool({ name: "terminate", arguments: { pane } });
    expect(terminated.isError).toBeFalsy();
    await eventually(async () => !(await windows()).includes("helper"));
    await fixture.runtime.idle();
    const log = logText();
    expect(log.filter((text) => text.startsWith("conn action:"))).toHaveLength(3);
    expect(log.some((text) => text.startsWith("conn handed to the first mate"))).toBe(true);
    expect(fixture.store.authoritySnapshot().proposals).toEqual([]);
  });

  it("two calls in one breath over the socket: the task behind an out-of-scope spawn is not typed, the conn went back first", async () => {
    const { client } = await firstMate();
    await fixture.runtime.authority.handOffConn({
      scope: { actions: ["assign_task"], targets: ["*"] },
      durationMs: 120_000,
    });
    const [outside, assigned] = await Promise.all([
      client.callTool({ name: "spawn_worker", arguments: { name: "builder" } }),
      client.callTool({ name: "assign_task", arguments: { pane: "%0", task: "echo typed-behind-a-hand-back" } }),
    ]);
    expect(outside.isError).toBe(true);
    expect(resultText(outside)).toContain("the conn has gone back to the human");
    expect(assigned.isError).toBe(true);
    expect(resultText(assigned)).toContain("not run: the human holds the conn");
    await fixture.runtime.idle();
    expect(await fixture.tmuxCommand(["capture-pane", "-p", "-t", "%0"])).not.toContain("typed-behind-a-hand-back");
    expect(fixture.store.authoritySnapshot().proposals.map((proposal) => proposal.action.kind)).toEqual([
      "spawn_worker",
      "assign_task",
    ]);
  });

  it("prohibited actions are denied even with the conn", async () => {
    const { client } = await firstMate();
    await fixture.runtime.authority.handOffConn({ scope: ALL, durationMs: 120_000 });
    const denied = await client.callTool({
      name: "spawn_worker",
      arguments: { name: "pusher", command: "git push --force origin main" },
    });
    expect(denied.isError).toBe(true);
    expect(resultText(denied)).toContain("denied: prohibited: force-push a branch");
    expect(await windows()).toEqual(["keepalive"]);
    await fixture.runtime.idle();
    expect(logText().some((text) => text.startsWith("DENIED spawn_worker"))).toBe(true);
    expect(fixture.runtime.authority.conn().holder).toBe("first_mate");
  });

  it("an out-of-scope action becomes a proposal and hands the conn back", async () => {
    const { client, pushes } = await firstMate();
    await fixture.runtime.authority.handOffConn({
      scope: { actions: ["spawn_worker"], targets: ["helper-*"] },
      durationMs: 120_000,
    });
    const outside = await client.callTool({ name: "spawn_worker", arguments: { name: "builder" } });
    expect(outside.isError).toBe(true);
    expect(resultText(outside)).toContain("the conn has gone back to the human");
    expect(fixture.runtime.authority.conn().holder).toBe("human");
    await eventually(() => pushes.some((push) => push.meta.kind === "conn" && push.meta.holder === "human"));
    expect(fixture.store.authoritySnapshot().conn.holder).toBe("human");
  });

  it("a worker cannot call them", async () => {
    const worker = await fixture.connect({ pane: "%0" as PaneId });
    for (const name of [...CONN_GATED_TOOLS, "propose_role_change"]) {
      const result = await worker.callTool({
        name,
        arguments:
          name === "spawn_worker"
            ? { name: "x" }
            : name === "propose_role_change"
              ? { text: "x" }
              : { pane: "%0", task: "x" },
      });
      expect(result.isError).toBe(true);
      expect(resultText(result)).toContain("only the first mate");
    }
  });
});

describe("ROLE-EXT", () => {
  it("the first mate can only propose: its proposal stays proposed until the human decides", async () => {
    const { client } = await firstMate();
    const proposed = await client.callTool({
      name: "propose_role_change",
      arguments: { text: "Always ask for a review before merging." },
    });
    expect(proposed.isError).toBeFalsy();
    expect(resultText(proposed)).toContain("role extension #1");
    const [extension] = fixture.store.authoritySnapshot().roleExtensions;
    expect(extension).toMatchObject({ status: "proposed", decidedBy: null });
    const listed = await fixture.runtime.authority.listRoleExtensions({ status: "approved" });
    expect(listed).toEqual({ _tag: "Right", right: [] });
  });

  it("no tool writes or approves ROLE-EXT", async () => {
    const { client } = await firstMate();
    const { tools } = await client.listTools();
    const names = tools.map((tool) => tool.name);
    expect(names.filter((name) => /role/.test(name))).toEqual(["propose_role_change"]);
    for (const name of ["approve_role_extension", "role_ext_write", "write_role_ext"]) {
      const result = await client.callTool({ name, arguments: { id: 1, text: "x" } }).catch((error: Error) => error);
      expect(result instanceof Error ? result.message : resultText(result)).toMatch(/not found|unknown/i);
    }
    const approved = await fixture.runtime.authority.approveRoleExtension(1);
    expect(approved._tag).toBe("Left");
  });
});
