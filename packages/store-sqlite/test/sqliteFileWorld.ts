/**
 * The real core runtime over a real SQLite file, as the runtime tests use
 * it: one fresh file, a fake tmux with one Claude worker and a fake clock,
 * shared by every store handle and host opened on the file.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PaneId } from "@first-mate/core";
import { createRuntime, type Runtime } from "@first-mate/core/runtime";
import { createFakeChannel, createFakeClock, createFakeTmux, createStubLauncher } from "@first-mate/core/testing";
import { openSqliteStore, type SqliteStore } from "@first-mate/store-sqlite";
import * as E from "fp-ts/lib/Either.js";

/** What a test undoes after it, newest first. */
export type Cleanups = (() => Promise<void> | void)[];

/**
 * A fresh file under the system temp dir (named from `prefix`); every store
 * and runtime opened through the result is closed, and the file removed,
 * by `cleanups`.
 */
export const sqliteFileWorld = (cleanups: Cleanups, prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, "first-mate.db");
  const clock = createFakeClock();
  const tmux = createFakeTmux(() => clock.now());
  const worker = tmux.addPane({ command: "claude", title: "working" }) as PaneId;
  /** A store handle of its own on the shared file, as each host process has. */
  const openStore = (): SqliteStore => {
    const opened = openSqliteStore({ path, now: () => clock.now() });
    if (E.isLeft(opened)) throw new Error(opened.left.message);
    cleanups.push(() => opened.right.close());
    return opened.right;
  };
  /** A host's runtime (not yet started) on `store`, launching `claude`; stopped after the test. */
  const hostRuntime = (
    owner: string,
    store: SqliteStore,
    channel: ReturnType<typeof createFakeChannel> = createFakeChannel(),
  ): Runtime => {
    const runtime = createRuntime({
      tmux,
      channel,
      store,
      clock,
      launcher: createStubLauncher(),
      owner,
    });
    cleanups.push(() => runtime.stop());
    return runtime;
  };
  return { path, clock, worker, openStore, hostRuntime };
};
