/**
 * Regression, over the real socket with the SDK client, the real runtime
 * and real tmux: a `spawn_worker` whose tmux spawn never returns left the
 * first mate's call waiting until its client gave up. Now the call is
 * answered once, with a typed timeout, after the core's tool-call timeout;
 * the spawn's late outcome goes to the captain's log, and no second reply
 * is sent.
 */
import type { SpawnRequest, TmuxPort } from "@first-mate/core";
import type { RuntimeReport } from "@first-mate/core/runtime";
import type { TmuxDriver } from "@first-mate/driver-tmux";
import { afterEach, describe, expect, it } from "vitest";
import { CONN_GATED_TOOLS } from "../src/channelTools.js";
import { eventually, resultText } from "./support/channelFixture.js";
import { type ConnFixture, FIRST_MATE_TOKEN, startConnFixture } from "./support/connFixture.js";

let fixture: ConnFixture | null = null;
afterEach(async () => {
  await fixture?.dispose();
  fixture = null;
});

/** The real driver, except that a worker's spawn waits until the test lets it through. */
const heldWorkerSpawns = () => {
  const held: (() => void)[] = [];
  const port = (driver: TmuxDriver): TmuxPort =>
    new Proxy(driver, {
      get(target, key) {
        if (key === "spawn")
          return (request: SpawnRequest) =>
            request.session === "fleet"
              ? new Promise((resolve) => held.push(() => resolve(target.spawn(request))))
              : target.spawn(request);
        const value = Reflect.get(target, key, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  return { port, held };
};

describe("a tool call whose effect never answers (MCP client over the socket)", () => {
  it("is answered with a typed timeout, once; the late spawn is logged", async () => {
    const spawns = heldWorkerSpawns();
    fixture = await startConnFixture({ config: { toolCallTimeoutMs: 1_500 }, tmuxPort: spawns.port });
    const replies: RuntimeReport[] = [];
    fixture.runtime.subscribe((report) => {
      if (report.type === "command" && report.command.type === "tool.reply") replies.push(report);
    });
    const client = await fixture.connect({ pane: fixture.firstMatePane, token: FIRST_MATE_TOKEN });
    await eventually(() => fixture!.runtime.status().firstMateAttached);
    await fixture.runtime.authority.handOffConn({
      scope: { actions: [...CONN_GATED_TOOLS], targets: ["*"] },
      durationMs: 600_000,
    });

    const result = await client.callTool({ name: "spawn_worker", arguments: { name: "stuck", task: "never starts" } });
    expect(result.isError).toBe(true);
    expect(resultText(result)).toContain("spawn_worker timed out after 1500 ms: its outcome is unknown");
    expect(spawns.held).toHaveLength(1);
    const log = () => fixture!.store.snapshot().log.map((entry) => entry.text);
    expect(log().some((text) => text.startsWith("conn action TIMED OUT"))).toBe(true);

    // The tmux spawn returns after all: the worker starts, and that is logged, not replied to.
    for (const release of spawns.held.splice(0)) release();
    await eventually(() => log().some((text) => text.startsWith("late outcome of tool call")));
    await fixture.runtime.idle();
    expect(log().find((text) => text.startsWith("late outcome of tool call"))).toMatch(/the worker started in %\d+$/);
    expect(replies.filter((report) => report.type === "command" && report.command.type === "tool.reply")).toHaveLength(
      1,
    );
  });
});
