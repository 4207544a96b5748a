/**
 * Watch the IDENTITY file and tell the runtime when it changed (the
 * consolidation nudge counts wakes since the last edit). Polls the file's
 * modification time: cheap, and works on every filesystem.
 */
import { readFile, stat } from "node:fs/promises";
import type { Runtime } from "@first-mate/core/runtime";

/** Report the current size at once, then every change; returns a stop function. */
export const watchIdentity = (
  path: string,
  runtime: Pick<Runtime, "dispatch">,
  now: () => number,
  intervalMs = 2_000,
): (() => void) => {
  let lastModified: number | null = null;
  const check = async () => {
    try {
      const info = await stat(path);
      if (info.mtimeMs === lastModified) return;
      lastModified = info.mtimeMs;
      const text = await readFile(path, "utf8");
      await runtime.dispatch({ type: "IdentityEdited", now: now(), chars: text.length });
    } catch {
      // No identity file yet: nothing edited.
    }
  };
  void check();
  const timer = setInterval(() => void check(), intervalMs);
  timer.unref();
  return () => clearInterval(timer);
};
