/**
 * The demo's conn scene (docs/design.md, Authority): the human hands the first mate the conn
 * for a few seconds, scoped to spawning `relief-*` workers; the first mate
 * spawns one (a conn-gated action, logged); the conn comes back by itself
 * at its expiry (logged, and told to the first mate).
 *
 * It never fails the demo: each wait is bounded, and what happened is
 * returned for the summary line.
 */
import type { RuntimeReport } from "@first-mate/core/runtime";
import * as E from "fp-ts/lib/Either.js";
import type { Host } from "../host/startHost.js";
import type { WorkerScript } from "../standIn/standInWorker.js";
import type { Timeline } from "./timeline.js";

/** The worker the first mate spawns while it holds the conn. */
export const RELIEF_WORKER_SCRIPT: WorkerScript = [
  { atMs: 300, title: "relief: triaging the flaky test", output: "reading the last CI logs" },
  { atMs: 4_000, title: "relief: flaky test isolated", output: "found a race in the fixture" },
];

/**
 * What the demo's conn scene saw: when the conn was handed off, when the first mate acted with it, and when it
 * came back (null for what did not happen).
 */
export interface ConnSceneResult {
  readonly handedOffAt: number | null;
  readonly actedAt: number | null;
  readonly actionDetail: string | null;
  readonly handedBackAt: number | null;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const waitFor = async (check: () => boolean, timeoutMs: number): Promise<boolean> => {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await sleep(50);
  }
  return check();
};

/**
 * Play the demo's conn scene on a running host: hand the first mate the conn for a few seconds, scoped to
 * `spawn_worker` on `relief-*`, wait for it to spawn a relief worker, and for the conn to come back at its expiry.
 */
export const runConnScene = async (
  host: Host,
  timeline: Pick<Timeline, "note">,
  options: {
    readonly holdMs?: number;
    /** Play with a first mate of a later attempt than this one (e.g. after a respawn). */
    readonly afterAttempt?: number;
  } = {},
): Promise<ConnSceneResult> => {
  const holdMs = options.holdMs ?? 4_000;
  let actedAt: number | null = null;
  let actionDetail: string | null = null;
  const unsubscribe = host.runtime.subscribe((report: RuntimeReport) => {
    if (report.type === "event" && report.event.type === "ActionExecuted" && actedAt === null) {
      actedAt = report.at;
      actionDetail = report.event.detail;
    }
  });
  try {
    const ready = () => {
      const status = host.runtime.status();
      return status.firstMateAttached && (status.firstMate?.attempt ?? 0) > (options.afterAttempt ?? 0);
    };
    if (!(await waitFor(ready, 15_000))) {
      timeline.note("conn scene skipped: the first mate did not attach in time");
      return { handedOffAt: null, actedAt: null, actionDetail: null, handedBackAt: null };
    }
    const handed = await host.runtime.authority.handOffConn({
      scope: { actions: ["spawn_worker"], targets: ["relief-*"] },
      durationMs: holdMs,
      escalation: "anything beyond one relief worker goes to the human",
    });
    if (E.isLeft(handed)) {
      timeline.note(
        `conn scene: handoff refused (${"reason" in handed.left ? handed.left.reason : handed.left.message})`,
      );
      return { handedOffAt: null, actedAt: null, actionDetail: null, handedBackAt: null };
    }
    const handedOffAt = Date.now();
    timeline.note(`conn handed to the first mate for ${holdMs / 1000} s: spawn_worker on relief-*`);
    await waitFor(() => actedAt !== null, holdMs);
    if (actedAt !== null) timeline.note(`the first mate used the conn: ${actionDetail}`);
    else timeline.note("the first mate did not use the conn");
    const returned = await waitFor(() => host.runtime.authority.conn().holder === "human", holdMs + 3_000);
    const handedBackAt = returned ? Date.now() : null;
    timeline.note(
      returned
        ? `the conn came back to the human by itself at its expiry (${((handedBackAt! - handedOffAt) / 1000).toFixed(1)} s after the handoff)`
        : "the conn did not come back in time",
    );
    return { handedOffAt, actedAt, actionDetail, handedBackAt };
  } finally {
    unsubscribe();
  }
};
