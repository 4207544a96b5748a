/**
 * The IDENTITY file is watched through change notices, not polled: an edit
 * reaches the runtime at once even when the polling fallback is an hour.
 */
import { mkdtemp, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Event } from "@first-mate/core";
import * as E from "fp-ts/lib/Either.js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { watchIdentity } from "../../src/host/identityWatcher.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "fm-identity-watch-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const recorder = () => {
  const edits: number[] = [];
  const runtime = {
    dispatch: async (event: Event) => {
      if (event.type === "IdentityEdited") edits.push(event.chars);
      return E.right(undefined);
    },
  };
  return { edits, runtime };
};

const until = async (condition: () => boolean, deadlineMs = 3_000) => {
  const deadline = Date.now() + deadlineMs;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
};

describe("identity file watch", () => {
  it("an idle host polls no identity file: an edit is noticed at once with an hour's polling fallback", async () => {
    const path = join(dir, "identity.md");
    await writeFile(path, "first");
    const { edits, runtime } = recorder();
    const stop = watchIdentity(path, runtime, () => 0, 3_600_000);
    try {
      await until(() => edits.length === 1);
      expect(edits).toEqual([5]);
      await writeFile(path, "second edit");
      await until(() => edits.length === 2);
      expect(edits).toEqual([5, 11]);
    } finally {
      stop();
    }
  });

  it("identity save reported twice: a new modification time with the same text is not another edit", async () => {
    const path = join(dir, "identity.md");
    await writeFile(path, "same");
    const { edits, runtime } = recorder();
    const stop = watchIdentity(path, runtime, () => 0, 3_600_000);
    try {
      await until(() => edits.length === 1);
      expect(edits).toEqual([4]);
      // What a file created then written shows a second look (or a touch): a newer mtime, the same text.
      await utimes(path, new Date(), new Date(Date.now() + 60_000));
      // Time for a second report of it to arrive, had it been one (none comes: nothing to wait for).
      await until(() => edits.length === 2, 2_000);
      await writeFile(path, "changed!");
      await until(() => edits.at(-1) === 8);
      expect(edits).toEqual([4, 8]);
    } finally {
      stop();
    }
  });

  it("a file created after the start, and one replaced by rename as editors save, are noticed", async () => {
    const path = join(dir, "identity.md");
    const { edits, runtime } = recorder();
    const stop = watchIdentity(path, runtime, () => 0, 3_600_000);
    try {
      await writeFile(path, "new");
      await until(() => edits.length === 1);
      expect(edits).toEqual([3]);
      const { rename } = await import("node:fs/promises");
      await writeFile(join(dir, ".identity.md.swp"), "replaced!");
      await rename(join(dir, ".identity.md.swp"), path);
      await until(() => edits.length === 2);
      expect(edits).toEqual([3, 9]);
    } finally {
      stop();
    }
  });
});
