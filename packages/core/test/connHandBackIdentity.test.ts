/**
 * Regression: a pending conn hand-back was keyed on the conn's `since`. A
 * proposal decided under one conn that hands it back, and a new conn given
 * in the same millisecond after the human took the first one back, shared
 * that key: calls under the new conn were decided as if it were being
 * handed back, and the old proposal, once stored, handed the new conn back.
 * Each conn the first mate is given is now told apart by its own number.
 */
import { describe, expect, it } from "vitest";
import type { Command } from "../src/commands.js";
import type { PaneId } from "../src/domain/paneId.js";
import type { Event } from "../src/events.js";
import type { CoreState } from "../src/state.js";
import { step } from "../src/step.js";
import { startedWorld } from "./worldSupport.js";

const run = (state: CoreState, event: Event): [CoreState, readonly Command[]] => {
  const [next, commands] = step(state, event);
  return [next, commands];
};

describe("a conn hand-back names the conn it hands back", () => {
  it("two conns given in the same millisecond: the first one's pending hand-back neither holds nor returns the second", () => {
    const world = startedWorld(1);
    const firstMate = world.firstMatePaneId()!;
    const worker = world.tmux.listSync().find((pane) => pane.paneId !== firstMate)!.paneId as PaneId;
    const now = world.now();
    const handOff: Event = {
      type: "ConnHandedOff",
      now,
      scope: { actions: ["assign_task"], targets: ["*"] },
      expiresAt: now + 600_000,
    };
    let [state] = run(world.state(), handOff);
    expect(state.authority.conn.holder).toBe("first_mate");
    // Outside the scope: a proposal that hands this conn back once it is stored.
    let commands: readonly Command[];
    [state, commands] = run(state, {
      type: "ToolCalled",
      now,
      requestId: "tool-1",
      paneId: firstMate,
      call: { tool: "spawn_worker", name: "helper", command: "cat" },
    });
    const proposal = commands.find((command) => command.type === "store.addProposal");
    expect(proposal).toMatchObject({ handBack: "out_of_scope" });
    // The human takes it back and hands a new conn over, all within the same millisecond.
    [state] = run(state, { type: "ConnTakenBack", now });
    [state] = run(state, handOff);
    expect(state.authority.conn.holder).toBe("first_mate");
    // A call inside the new conn's scope acts: the new conn is not the one being handed back.
    [state, commands] = run(state, {
      type: "ToolCalled",
      now,
      requestId: "tool-2",
      paneId: firstMate,
      call: { tool: "assign_task", pane: worker, task: "run the tests" },
    });
    expect(commands).toContainEqual(expect.objectContaining({ type: "tmux.sendText", requestId: "tool-2" }));
    // The first proposal is stored: it hands back the conn it was decided under, which is gone, not the new one.
    if (proposal?.type !== "store.addProposal") throw new Error("no proposal");
    [state] = run(state, {
      type: "ActionProposed",
      now,
      action: proposal.action,
      reason: proposal.reason,
      handBack: proposal.handBack,
      requestId: "tool-1",
      proposalId: 1,
    });
    expect(state.authority.conn.holder).toBe("first_mate");
  });
});
