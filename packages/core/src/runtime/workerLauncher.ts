/**
 * Start a worker window and, when given, type its first task: the one
 * effect shared by an allowed `spawn_worker` and a released deferred spawn.
 *
 * Thin: no policy (authorize has decided). The pane id tmux prints is
 * checked before it is used, like the supervisor's.
 */
import * as E from "fp-ts/lib/Either.js";
import type { WorkerLaunch } from "../authority/deferredSpawns.js";
import { isPaneId, type PaneId } from "../domain/paneId.js";
import { describeError } from "../ports/errors.js";
import type { TmuxPort } from "../ports/tmuxPort.js";

/** Spawn the worker; Right with its pane id, or Left with a reason. */
export const launchWorker = async (tmux: TmuxPort, launch: WorkerLaunch): Promise<E.Either<string, PaneId>> => {
  const spawned = await tmux.spawn({
    session: launch.session,
    window: launch.name,
    argv: launch.argv,
    ...(launch.cwd ? { cwd: launch.cwd } : {}),
    ...(launch.env ? { env: launch.env } : {}),
    ...(launch.agent ? { agentKind: launch.agent } : {}),
  });
  if (E.isLeft(spawned)) return E.left(describeError(spawned.left));
  const paneId = spawned.right.paneId;
  if (!isPaneId(paneId)) {
    if (spawned.right.windowId) await tmux.killWindow(spawned.right.windowId);
    return E.left(`tmux printed no usable pane id (${JSON.stringify(paneId)})`);
  }
  if (launch.task) {
    const typed = await tmux.sendText(paneId, launch.task);
    if (E.isLeft(typed))
      return E.left(`started in ${paneId}, but the task was not typed: ${describeError(typed.left)}`);
  }
  return E.right(paneId);
};
