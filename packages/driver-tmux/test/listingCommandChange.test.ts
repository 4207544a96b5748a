/**
 * A full listing read while a pane's program changes: tmux evaluates the
 * current command twice per row (its length, then itself), reading /proc
 * each time, so the row's length may not match what follows. The tmux here
 * is a wrapper around the real one that cannot do control mode (each
 * command is its own client) and prints the first full listing as tmux does
 * when the program changed in between; later ones are the real tmux's.
 */
import { existsSync } from "node:fs";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as E from "fp-ts/lib/Either.js";
import { afterEach, describe, expect, it } from "vitest";
import { createTmuxDriver } from "../src/index.js";
import { createTestServer, type TestServer } from "./tmuxTestServer.js";

let server: TestServer | null = null;
let dir: string | null = null;
afterEach(async () => {
  await server?.stop();
  server = null;
  if (dir !== null) await rm(dir, { recursive: true, force: true });
  dir = null;
});

describe("a full listing while a pane's program changes", () => {
  it("a row whose current command changed between tmux's two reads of it failed the whole listing: it is read again", async () => {
    server = createTestServer();
    await server.start();
    await server.tmux(["new-window", "-d", "-t", "_test_keepalive:", "-n", "sleeper", "exec sleep 3600"]);
    dir = await mkdtemp(join(tmpdir(), "fm-listing-race-"));
    const tampered = join(dir, "tampered");
    const wrapper = join(dir, "tmux");
    await writeFile(
      wrapper,
      [
        "#!/bin/sh",
        'for argument in "$@"; do [ "$argument" = "-C" ] && exit 1; done',
        'case "$*" in',
        "  *list-panes*pane_current_command*)",
        `    if [ ! -e '${tampered}' ]; then`,
        `      : > '${tampered}'`,
        // "sleep" printed after its length 5 reads as "sleepy": the program changed between the two reads.
        `      tmux "$@" | sed "s/$(printf '\\t')5$(printf '\\t')sleep$(printf '\\t')/$(printf '\\t')5$(printf '\\t')sleepy$(printf '\\t')/"`,
        "      exit 0",
        "    fi",
        "    ;;",
        "esac",
        'exec tmux "$@"',
        "",
      ].join("\n"),
    );
    await chmod(wrapper, 0o755);
    const driver = createTmuxDriver({ ...server.options, tmuxBinary: wrapper, processTable: "off" });
    try {
      const listed = await driver.listPanes();
      // The first read was the changed one: the listing is the second.
      expect(existsSync(tampered)).toBe(true);
      expect(E.isRight(listed) && listed.right.map((pane) => `${pane.windowName}:${pane.command}`).sort()).toEqual([
        "sleep:sleep",
        "sleeper:sleep",
      ]);
    } finally {
      await driver.close();
    }
  });
});
