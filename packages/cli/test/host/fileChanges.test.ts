/** Change notices for a file another process writes: watched, coalesced, and polled only where watching fails. */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { watchFileChanges } from "../../src/host/fileChanges.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "fm-file-changes-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `condition` holds: notices come from the kernel and timers, on the machine's time. */
const until = async (condition: () => boolean, timeoutMs = 20_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(10);
  }
};

describe("file change notices", () => {
  it("writes to the file are noticed, other names in the directory are no change, and nothing runs while idle", async () => {
    let calls = 0;
    const watch = watchFileChanges({ path: join(dir, "store.db"), fallbackIntervalMs: 3_600_000 }, async () => {
      calls += 1;
    });
    try {
      expect(watch.mode()).toBe("watching");
      await writeFile(join(dir, "unrelated.txt"), "x");
      await sleep(200);
      expect(calls).toBe(0);
      await Promise.all([1, 2, 3].map((n) => writeFile(join(dir, "store.db"), String(n))));
      await until(() => calls >= 1);
      // Every notice of the burst was queued before the writes returned: a few turns of the loop read them all.
      await sleep(200);
      const settled = calls;
      await sleep(300);
      expect(calls).toBe(settled);
    } finally {
      watch.stop();
    }
  });

  it("a change during a call makes one more call after it, never a second call at once", async () => {
    let running = 0;
    let overlapped = false;
    let calls = 0;
    const path = join(dir, "store.db");
    const watch = watchFileChanges({ path, fallbackIntervalMs: 3_600_000 }, async () => {
      running += 1;
      overlapped ||= running > 1;
      calls += 1;
      if (calls === 1) await writeFile(path, "during");
      await sleep(100);
      running -= 1;
    });
    try {
      await writeFile(path, "first");
      await until(() => calls >= 2 && running === 0);
      expect(overlapped).toBe(false);
      // The write during the first call is seen after it (its notices may come in more than one piece).
      expect(calls).toBeGreaterThanOrEqual(2);
    } finally {
      watch.stop();
    }
  });

  it("a directory that cannot be watched is polled instead", async () => {
    let calls = 0;
    const watch = watchFileChanges({ path: join(dir, "missing", "store.db"), fallbackIntervalMs: 50 }, async () => {
      calls += 1;
    });
    try {
      expect(watch.mode()).toBe("polling");
      await until(() => calls >= 2);
    } finally {
      watch.stop();
    }
  });
});
