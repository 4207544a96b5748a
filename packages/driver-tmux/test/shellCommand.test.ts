import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import fc from "fast-check";
import * as E from "fp-ts/lib/Either.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execCommandLine, quoteShellWord } from "../src/index.js";
import { hostileString } from "./hostileArbitraries.js";
import { createTestServer, eventually } from "./tmuxTestServer.js";

const argvWords = fc.array(
  fc.oneof(
    hostileString(),
    fc.string({ unit: "binary" }).map((s) => Buffer.from(s.replaceAll("\u0000", ""), "utf8").toString("utf8")),
  ),
  {
    maxLength: 6,
  },
);

describe("execCommandLine", () => {
  it("every argv reaches the program verbatim through /bin/sh", async () => {
    await fc.assert(
      fc.asyncProperty(argvWords, async (words) => {
        const result = await execa("/bin/sh", ["-c", execCommandLine(["printf", "%s\\0", ...words])], {
          encoding: "buffer",
          stripFinalNewline: false,
        });
        const printed = Buffer.from(result.stdout).toString("utf8");
        expect(printed).toBe(words.map((word) => `${word}\u0000`).join("") || "\u0000");
      }),
      { numRuns: 150 },
    );
  });

  it("a quoted word is one single-quoted shell word", () => {
    fc.assert(
      fc.property(fc.string(), (word) => {
        const quoted = quoteShellWord(word);
        expect(quoted.startsWith("'") && quoted.endsWith("'")).toBe(true);
        expect(quoted.replaceAll(`'\\''`, "")).not.toMatch(/^'.*'.*'$/s);
      }),
    );
  });
});

describe("spawn argv through a real tmux pane", () => {
  const server = createTestServer();
  let directory = "";
  beforeAll(async () => {
    await server.start();
    directory = await mkdtemp(join(tmpdir(), "fm-tmux-argv-"));
  });
  afterAll(async () => {
    await server.stop();
    await rm(directory, { recursive: true, force: true });
  });

  it("arbitrary argv strings arrive in the agent's process.argv verbatim, and the agent is the pane's process", async () => {
    const driver = server.driver();
    let run = 0;
    const script =
      "require('fs').writeFileSync(process.env.FM_OUT, JSON.stringify(process.argv.slice(1))); setInterval(() => {}, 1e6)";
    await fc.assert(
      fc.asyncProperty(argvWords, async (words) => {
        run += 1;
        const out = join(directory, `argv-${run}.json`);
        const spawned = await driver.spawn({
          session: "argv",
          window: `run-${run}`,
          argv: ["node", "-e", script, "--", ...words],
          env: { FM_OUT: out },
        });
        if (E.isLeft(spawned)) throw new Error(JSON.stringify(spawned.left));
        const received = await eventually(async () => {
          try {
            return JSON.parse(await readFile(out, "utf8")) as string[];
          } catch {
            return undefined;
          }
        });
        expect(received).toEqual(words);
        const panes = await driver.listPanes();
        if (E.isLeft(panes)) throw new Error(JSON.stringify(panes.left));
        expect(panes.right.find((pane) => pane.paneId === spawned.right.paneId)?.command).toBe("node");
        await server.tmux(["kill-pane", "-t", spawned.right.paneId]);
      }),
      { numRuns: 15 },
    );
  });
});
