/**
 * The README's main job: the demo, run for real (isolated tmux server,
 * SQLite file, channel socket, stand-in agents through the real shim).
 * It must show every scene and leave nothing behind.
 */
import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { describe, expect, it } from "vitest";
import { DemoJson } from "../src/commands/jsonContract.js";
import { runDemo } from "../src/demo/runDemo.js";

const demoDirs = () => readdirSync(tmpdir()).filter((name) => name.startsWith("first-mate-demo-"));
const serverAlive = (socketName: string) => {
  try {
    execFileSync("tmux", ["-L", socketName, "has-session"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
};

describe("the demo", () => {
  it("shows spawn, pushes on change, an interrupt, a respawn with the log intact, the channel-off fallback, and cleans up", async () => {
    const before = new Set(demoDirs());
    const lines: string[] = [];
    const summary = await runDemo({ agent: "stand-in", json: true, out: (line) => lines.push(line) });

    expect(summary.firstMateStarts).toBeGreaterThanOrEqual(2);
    expect(summary.digestPushes).toBeGreaterThanOrEqual(2);
    expect(summary.notifyNeedHuman).toBeGreaterThan(summary.notifyInterrupts);
    expect(summary.interruptsDelivered).toBeGreaterThanOrEqual(1);
    expect(summary.interruptHostLatencyMs).not.toBeNull();
    expect(summary.respawnLatencyMs).not.toBeNull();
    expect(summary.logSurvivedRespawn).toBe(true);
    // The last scene: a first mate whose channel is off is woken by typed lines and pulls.
    expect(summary.fallbackWakeUps).toBeGreaterThanOrEqual(1);
    expect(summary.fallbackPulled).toBe(true);
    // --json prints exactly one document: the summary, in its documented shape.
    expect(lines).toHaveLength(1);
    expect(DemoJson.parse(JSON.parse(lines[0]!))).toEqual(summary);

    expect(demoDirs().filter((name) => !before.has(name))).toEqual([]);
    expect(serverAlive(`first-mate-demo-${process.pid}`)).toBe(false);
  }, 150_000);
});
