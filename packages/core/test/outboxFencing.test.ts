/**
 * Regressions: alert and outbox writes were not fenced by the lease epoch.
 * A host paused past its lease, while another host took it, still wrote
 * its interrupts into the outbox (numbered from its own, stale, sequence)
 * and raised and cleared alerts over its successor's. Now every such write
 * carries the epoch its host holds the lease at, the store refuses a stale
 * one, and the host hears that it lost the lease.
 */
import { describe, expect, it } from "vitest";
import type { PaneId } from "../src/domain/paneId.js";
import { HOLDER_WRITES } from "../src/holderWrites.js";
import { step } from "../src/step.js";
import { leaseTakenByAnotherHost, settledWorld, standbyWithoutLease } from "./leaseSituations.js";
import { T0 } from "./support.js";

describe("alert and outbox writes are fenced by the lease epoch", () => {
  it("a host that lost the lease cannot enqueue an interrupt nor raise its alert", () => {
    const { world, worker } = settledWorld();
    const staleEpoch = world.state().supervisor.leaseEpoch;
    expect(world.state().supervisor.leaseHeld).toBe(true);
    leaseTakenByAnotherHost(world);
    world.inject({ type: "NotifyReceived", now: world.now(), paneId: worker, kind: "need_human", message: "approve?" });
    world.drive();
    expect(world.commands).toContainEqual(expect.objectContaining({ type: "store.enqueueOutbox", epoch: staleEpoch }));
    expect(world.commands).toContainEqual(expect.objectContaining({ type: "store.setAlert", epoch: staleEpoch }));
    expect(world.store.snapshot().outbox.size).toBe(0);
    expect(world.store.snapshot().alerts.size).toBe(0);
    // The push of that batch did not run, and the host knows it lost the lease.
    expect(world.pushesToFirstMate().filter((push) => push.meta.kind === "interrupt")).toEqual([]);
    expect(world.alerts.map((alert) => alert.code)).toContain("lease_lost");
    expect(world.state().supervisor.leaseHeld).toBe(false);
  });

  // Each write in its own run: the host hears the first refusal before it decides anything else (as the
  // runtime orders it), and then, knowing it lost the lease, does not try the other.
  it.each([
    ["clear its successor's alert", "store.clearAlert"],
    ["mark its outbox delivered", "store.markDelivered"],
  ] as const)("a host that lost the lease cannot %s", (_, write) => {
    const { world, worker } = settledWorld();
    // Detached: the interrupt waits in the outbox until the first mate pulls it.
    world.channel.detach(world.firstMatePaneId()!);
    world.drive();
    world.inject({ type: "NotifyReceived", now: world.now(), paneId: worker, kind: "need_human", message: "approve?" });
    world.drive();
    const alert = world.store.snapshot().alerts.get(worker);
    expect(alert).toBeDefined();
    const pending = [...world.store.snapshot().outbox.values()].map((entry) => ({ ...entry }));
    expect(pending.map((entry) => entry.delivered)).toEqual([false]);
    leaseTakenByAnotherHost(world);
    const before = world.commands.length;
    if (write === "store.clearAlert")
      // The worker goes on: its alert would clear.
      world.inject({
        type: "AgentEvidenceReceived",
        now: world.now() + 1,
        paneId: worker,
        evidence: { source: "hook", state: "busy", at: world.now() + 1, detail: "UserPromptSubmit" },
      });
    // The first mate pulls its inbox: the entry would be delivered.
    else
      world.inject({
        type: "InboxPulled",
        now: world.now() + 1,
        paneId: world.firstMatePaneId()!,
        seqs: pending.map((entry) => entry.seq),
      });
    world.drive();
    const after = world.commands.slice(before);
    expect(after).toContainEqual(
      write === "store.clearAlert"
        ? expect.objectContaining({ type: "store.clearAlert", paneId: worker })
        : expect.objectContaining({ type: "store.markDelivered", seq: pending[0]!.seq }),
    );
    expect(world.store.snapshot().alerts.get(worker)).toEqual(alert);
    expect([...world.store.snapshot().outbox.values()]).toEqual(pending);
  });
});

describe("a host that knows it does not hold the lease", () => {
  it("sends no alert or outbox write (the store would refuse it and stop the rest of its batch), and keeps the interrupt apart until it can file it", () => {
    const [next, commands] = step(standbyWithoutLease(), {
      type: "NotifyReceived",
      now: T0 + 1_000,
      paneId: "%4" as PaneId,
      kind: "need_human",
      message: "approve?",
    });
    expect(commands.filter((command) => HOLDER_WRITES.has(command.type))).toEqual([]);
    // Not in the outbox (nothing without its row is pushed): it waits to be filed.
    expect(next.interrupts.outbox).toEqual([]);
    expect(next.interrupts.unfiled.map((entry) => entry.message)).toEqual(["approve?"]);
    expect(next.alerts["%4"]?.message).toBe("approve?");
  });
});
