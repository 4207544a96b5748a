/**
 * Waiting for a process that is not our child (a daemonised tmux server) to
 * exit: polls `kill(pid, 0)`; past the deadline it sends SIGKILL.
 *
 * Guarantees: resolves once the process is gone, or once SIGKILL has been
 * sent and the process has had a moment to go. Never rejects.
 * Does not: send any signal before the deadline (ask the process to exit
 * first, e.g. with `kill-server`).
 */

const POLL_MS = 20;
/** How long a SIGKILLed process gets to disappear before we stop waiting. */
const AFTER_KILL_MS = 2_000;

/** Whether a process with this id exists and may be signalled by us (a zombie counts as existing). */
export const processAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const waitUntilGone = async (pid: number, deadline: number): Promise<boolean> => {
  for (;;) {
    if (!processAlive(pid)) return true;
    if (Date.now() >= deadline) return false;
    await sleep(POLL_MS);
  }
};

/**
 * Waits up to `deadlineMs` for process `pid` to exit, then SIGKILLs it.
 * Resolves to "exited" when it went on its own, "killed" when it needed SIGKILL.
 */
export const waitForProcessExit = async (pid: number, deadlineMs: number): Promise<"exited" | "killed"> => {
  if (await waitUntilGone(pid, Date.now() + deadlineMs)) return "exited";
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // Gone between the last poll and the signal.
  }
  await waitUntilGone(pid, Date.now() + AFTER_KILL_MS);
  return "killed";
};
