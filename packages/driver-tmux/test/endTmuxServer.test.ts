/**
 * Ending a whole tmux server leaves nothing of its own open: the process
 * table reader it makes keeps `/proc/<pid>/stat` files open between
 * snapshots, and every isolated test server's stop ends its server this way.
 */
import { readdirSync, readlinkSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { createProcessTableReader, endTmuxServer } from "../src/index.js";
import { createIsolatedTmuxServer } from "../src/testing/index.js";

/** This process's descriptors open on some process's `/proc/<pid>/stat`. */
const openStatFiles = (): number =>
  readdirSync("/proc/self/fd").filter((fd) => {
    try {
      return /^\/proc\/\d+\/stat$/.test(readlinkSync(`/proc/self/fd/${fd}`));
    } catch {
      // Closed while listed (the listing's own descriptor).
      return false;
    }
  }).length;

describe.runIf(process.platform === "linux")("endTmuxServer and open files", () => {
  it("endTmuxServer kept its reader's /proc stat files open (one per process on the machine, each call): none stay open", async () => {
    const server = createIsolatedTmuxServer({ label: "end" });
    await server.start();
    const before = openStatFiles();
    try {
      const report = await endTmuxServer(server.driverOptions);
      expect(report.panes).toBeGreaterThan(0);
      expect(openStatFiles()).toBe(before);
    } finally {
      await server.stop();
    }
  });

  it("a reader passed in is its owner's: endTmuxServer leaves it open", async () => {
    const server = createIsolatedTmuxServer({ label: "end" });
    await server.start();
    const reader = createProcessTableReader({ source: "proc" });
    const before = openStatFiles();
    try {
      await endTmuxServer({ ...server.driverOptions, reader });
      expect(openStatFiles()).toBeGreaterThan(before);
    } finally {
      reader.close?.();
      await server.stop();
    }
    expect(openStatFiles()).toBe(before);
  });
});
