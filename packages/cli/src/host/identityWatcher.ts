/**
 * Watch the IDENTITY file and tell the runtime when it changed (the
 * consolidation nudge counts wakes since the last edit). The kernel reports
 * changes to its directory (fileChanges.ts), so an idle host does nothing
 * here; the modification time says whether to read the file again, and a
 * change of its text is an edit.
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
  let lastText: string | null = null;
  const check = async () => {
    try {
      const info = await stat(path);
      if (info.mtimeMs === lastModified) return;
      lastModified = info.mtimeMs;
      const text = await readFile(path, "utf8");
      // A new modification time with the text last reported (a file created and then written,
      // seen once by the start check and once by its notice; a touch) is no edit.
      if (text === lastText) return;
      lastText = text;
      await runtime.dispatch({ type: "IdentityEdited", now: now(), chars: text.length });
    } catch {
      // No identity file yet: nothing edited.
    }
  };
  // The start check and the notices' checks run one after another, never side by side.
  let checks: Promise<void> = Promise.resolve();
  const serialized = (): Promise<void> => {
    checks = checks.then(check);
    return checks;
  };
  const watch = watchFileChanges({ path, fallbackIntervalMs: intervalMs }, serialized);
  void serialized();
  return () => watch.stop();
};
