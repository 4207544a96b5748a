import { execa } from "execa";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { controlModeCommandLine } from "../src/index.js";
import { hostileString } from "./hostileArbitraries.js";
import { createTestServer } from "./tmuxTestServer.js";

describe("controlModeCommandLine", () => {
  it("is always one line", () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: "binary" })), (args) => {
        expect(controlModeCommandLine(args)).not.toMatch(/[\n\r]/);
      }),
    );
  });

  describe("on a real tmux server", () => {
    const server = createTestServer();
    beforeAll(() => server.start());
    afterAll(() => server.stop());

    it("tmux's parser reads every argument back exactly, through a control-mode client", async () => {
      const values = fc.sample(
        fc.oneof(hostileString({ maxLength: 30 }), fc.string({ unit: "binary", maxLength: 30 })),
        { numRuns: 60, seed: 15 },
      );
      const cleaned = values.map((value) => value.replaceAll("\u0000", ""));
      // One control client runs every set-environment; a spawned client reads each value back.
      const script = cleaned.map((value, index) =>
        controlModeCommandLine(["set-environment", "-g", `FM_Q${index}`, value]),
      );
      await execa("tmux", ["-u", "-L", server.socketName, "-C", "attach", "-t", "_test_keepalive"], {
        input: `${script.join("\n")}\n`,
        env: { TMUX: undefined },
      });
      for (const [index, value] of cleaned.entries()) {
        const shown = await execa("tmux", ["-u", "-L", server.socketName, "show-environment", "-g", `FM_Q${index}`], {
          encoding: "buffer",
          stripFinalNewline: false,
        });
        expect(Buffer.from(shown.stdout).toString("utf8")).toBe(`FM_Q${index}=${value}\n`);
      }
    });
  });
});
