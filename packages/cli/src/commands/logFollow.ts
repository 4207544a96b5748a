/**
 * `first-mate log --follow`: the captain's log as it grows, oldest first,
 * until stopped. With `--json` it is a stream: one {@link LogEntryJson}
 * per line (JSON Lines), the one command besides `run` that streams.
 *
 * It reads the store every `pollMs` (default 1 s) and prints entries with
 * an id above the last one printed, so nothing is printed twice. Read-only:
 * with no database it says so and ends, creating nothing.
 */
import { describeError, type LogEntry, LogKindSchema } from "@first-mate/core";
import * as E from "fp-ts/lib/Either.js";
import type { HostConfig } from "../host/hostConfig.js";
import type { LogEntryJson } from "./jsonContract.js";
import { type Io, noStateMessage, withExistingStore } from "./storeCommands.js";

/** How `log --follow` runs: the kind filter, how many earlier entries to show first, output, and when to stop. */
export interface FollowOptions {
  readonly kind?: string;
  /** Earlier entries shown first (newest `limit` of them, oldest first); default 10. */
  readonly limit?: number;
  readonly json: boolean;
  /** Resolves when following should end (the command line: SIGINT or SIGTERM). */
  readonly stop: Promise<void>;
  readonly pollMs?: number;
}

const toJson = (entry: LogEntry): LogEntryJson => ({
  id: entry.id,
  at: entry.at,
  kind: entry.kind,
  author: entry.author,
  text: entry.text,
});

/** Follow the captain's log until `options.stop` resolves; returns the exit code. */
export const followLog = (config: HostConfig, options: FollowOptions, io: Io): Promise<number> => {
  const kind = options.kind === undefined ? undefined : LogKindSchema.safeParse(options.kind);
  if (kind && !kind.success) {
    io.err(`first-mate: --kind must be one of ${LogKindSchema.options.join(", ")}`);
    return Promise.resolve(2);
  }
  const filter = kind?.success ? { kind: kind.data } : {};
  return withExistingStore(
    config,
    io,
    async (store) => {
      let stopped = false;
      void options.stop.then(() => {
        stopped = true;
      });
      let lastId = 0;
      const print = (entries: readonly LogEntry[]) => {
        for (const entry of [...entries].reverse()) {
          if (entry.id <= lastId) continue;
          lastId = entry.id;
          io.out(
            options.json
              ? JSON.stringify(toJson(entry))
              : `#${entry.id} ${new Date(entry.at).toISOString()} [${entry.kind}] (${entry.author}) ${entry.text}`,
          );
        }
      };
      const first = await store.readLog({ limit: options.limit ?? 10, ...filter });
      if (E.isLeft(first)) {
        io.err(`first-mate: ${describeError(first.left)}`);
        return 1;
      }
      print(first.right);
      while (!stopped) {
        await Promise.race([options.stop, new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 1_000))]);
        if (stopped) break;
        const rows = await store.readLog({ limit: 200, ...filter });
        if (E.isLeft(rows)) {
          io.err(`first-mate: ${describeError(rows.left)}`);
          return 1;
        }
        print(rows.right);
      }
      return 0;
    },
    (path) => {
      if (!options.json) io.out(noStateMessage(path));
      return 0;
    },
  );
};
