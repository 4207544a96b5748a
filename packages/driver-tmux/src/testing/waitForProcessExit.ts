/**
 * Waiting for a process that is not our child (a daemonised tmux server) to
 * exit: polls `kill(pid, 0)` and, where `/proc` exists, the process's state;
 * past the deadline it sends SIGKILL.
 *
 * Guarantees: resolves once the process is gone or has exited (a zombie —
 * exited, its entry left until its parent reaps it — counts as gone: a
 * daemon's parent is init, which may take seconds to reap it), or once
 * SIGKILL has been sent and the process has had a moment to go. Never rejects.
 * Does not: send any signal before the deadline (ask the process to exit
 * first, e.g. with `kill-server`).
 */
import { readFileSync } from "node:fs";

const POLL_MS = 20;
/** How long a SIGKILLed process gets to disappear before we stop waiting. */
const AFTER_KILL_MS = 2_000;

/** Whether `/proc` shows the process as a zombie (false where it cannot tell: no `/proc`, or the entry just went). */
const isZombie = (pid: number): boolean => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    // The state follows the name, which is in parentheses and may hold any character.
    return stat.charAt(stat.lastIndexOf(")") + 2) === "Z";
  } catch {
    return false;
  }
};

/**
 * Whether a process with this id runs and may be signalled by us. A zombie has exited: it does not run,
 * although `kill(pid, 0)` still finds it until its parent reaps it.
 */
export const processAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  return !isZombie(pid);
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
