/**
 * Apply a generated WorldAction to a fake world, then let it settle.
 * Indexes pick among current workers modulo their count, so every action is
 * meaningful whatever the fleet looks like.
 */
import type { PaneId } from "../domain/paneId.js";
import type { WorldAction } from "./arbitraries.js";
import type { FakeWorld } from "./fakeWorld.js";

const workers = (world: FakeWorld): PaneId[] => {
  const firstMate = world.firstMatePaneId();
  return world.tmux
    .listSync()
    .filter((pane) => pane.paneId !== firstMate && pane.windowName !== world.state().config.window)
    .map((pane) => pane.paneId);
};

const pick = (world: FakeWorld, index: number): PaneId | undefined => {
  const list = workers(world);
  return list.length === 0 ? undefined : list[index % list.length];
};

/**
 * Apply one generated {@link WorldAction} to a fake world (add or kill a pane, attach, notify, fail the store,
 * advance time, …).
 */
export const applyWorldAction = (world: FakeWorld, action: WorldAction): void => {
  const now = world.now();
  switch (action.type) {
    case "evidence": {
      const pane = pick(world, action.index);
      if (pane)
        world.inject({
          type: "AgentEvidenceReceived",
          now,
          paneId: pane,
          evidence: { source: action.source, state: action.state, at: Math.max(0, now - action.ageMs) },
        });
      break;
    }
    case "inputs": {
      const pane = pick(world, action.index);
      world.inject({
        type: "InputsUpdated",
        now,
        ...(pane ? { panes: { [pane]: { watched: true, ci: action.ci } } } : {}),
        usage: { percent: action.percent, resetsAt: action.resetsAt },
      });
      break;
    }
    case "storeOutage":
      world.store.setUnavailable(action.on);
      break;
    case "leaseTakenOver": {
      // This host's lease ran out and another host took it: a new epoch, another owner.
      const contents = world.store.snapshot();
      contents.lease = { owner: "other-host", expiresAt: now + action.ms };
      contents.leaseEpoch++;
      break;
    }
    case "restartHost":
      world.restartHost();
      break;
    case "advance":
      world.advance(action.ms);
      return;
    case "addWorker":
      world.addWorker();
      break;
    case "retitle": {
      const pane = pick(world, action.index);
      if (pane) world.tmux.setTitle(pane, action.title);
      break;
    }
    case "killWorker": {
      const pane = pick(world, action.index);
      if (pane) world.tmux.killPaneExternally(pane);
      break;
    }
    case "killFirstMate": {
      const pane = world.firstMatePaneId();
      if (pane) world.tmux.killPaneExternally(pane);
      break;
    }
    case "notify": {
      const pane = pick(world, action.index);
      if (pane) world.inject({ type: "NotifyReceived", now, paneId: pane, kind: action.kind, message: action.message });
      break;
    }
    case "report": {
      const pane = pick(world, action.index);
      if (pane) world.inject({ type: "ReportReceived", now, paneId: pane, message: action.message });
      break;
    }
    case "failEmits":
      world.channel.failNext(action.count);
      break;
    case "detachFirstMate": {
      const pane = world.firstMatePaneId();
      if (pane && world.channel.isAttached(pane)) world.channel.detach(pane);
      break;
    }
    case "attachFirstMate": {
      const pane = world.firstMatePaneId();
      if (pane && !world.channel.isAttached(pane) && world.tmux.panes.has(pane)) world.channel.attach(pane, true);
      break;
    }
    case "queueSpawn":
      world.tmux.queueSpawns(action.behaviour);
      break;
  }
  world.drive();
};
