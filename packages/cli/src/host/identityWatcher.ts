/**
 * Watch the IDENTITY file and tell the runtime when it changed (the
 * consolidation nudge counts wakes since the last edit). The kernel reports
 * changes to its directory (fileChanges.ts), so an idle host does nothing
 * here; the modification time decides whether the file really changed.
 * Where the directory cannot be watched, it is polled every `intervalMs`.
 */
import { readFile, stat } from "node:fs/promises";
import type { Runtime } from "@first-mate/core/runtime";
import { watchFileChanges } from "./fileChanges.js";

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
  const watch = watchFileChanges({ path, fallbackIntervalMs: intervalMs }, check);
  void check();
  return () => watch.stop();
};
