import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  assembleLayeredPrompt,
  consolidationNudge,
  DEFAULT_CORE_PROMPT,
  SUPREMACY_LINE,
} from "../../src/authority/layeredPrompt.js";
import type { Command } from "../../src/commands.js";
import { cheapExpect } from "../cheapExpect.js";
import { T0 } from "../support.js";
import { run, startedCore } from "./authoritySupport.js";

const layers = {
  core: DEFAULT_CORE_PROMPT,
  roleExtensions: [
    { id: 2, text: "Prefer small PRs." },
    { id: 5, text: "Watch CI on main." },
  ],
  identity: "I am Ada, first mate of this fleet.",
  identityPath: "/state/identity.md",
  identityCapChars: 8000,
};

describe("layered prompt assembly", () => {
  it("puts CORE, the supremacy line, ROLE-EXT and IDENTITY in that order", () => {
    const { text, warnings } = assembleLayeredPrompt(layers);
    const order = [
      "# CORE",
      DEFAULT_CORE_PROMPT.split("\n")[0]!,
      SUPREMACY_LINE,
      "# ROLE-EXT",
      "[#2] Prefer small PRs.",
      "[#5] Watch CI on main.",
      "# IDENTITY (yours to edit: /state/identity.md)",
      "I am Ada",
    ].map((needle) => text.indexOf(needle));
    expect(order.every((index) => index >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(warnings).toEqual([]);
  });

  it("states the supremacy line right after any CORE, even an embedder's, and before any other layer", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 300 }), fc.string({ maxLength: 300 }), (core, identity) => {
        const { text } = assembleLayeredPrompt({ ...layers, core, identity });
        const supremacy = text.indexOf(SUPREMACY_LINE);
        cheapExpect(supremacy).toBeGreaterThan(text.indexOf("# CORE"));
        cheapExpect(supremacy).toBeLessThan(text.indexOf("# ROLE-EXT"));
        cheapExpect(text.indexOf("# ROLE-EXT")).toBeLessThan(text.lastIndexOf("# IDENTITY"));
      }),
      { numRuns: 1000 },
    );
  });

  it("warns when the identity is over the cap, and still includes it whole", () => {
    const identity = "x".repeat(8001);
    const { text, warnings, identityChars } = assembleLayeredPrompt({ ...layers, identity });
    expect(identityChars).toBe(8001);
    expect(warnings[0]).toContain("8001 characters, over the 8000-character cap");
    expect(text).toContain(identity);
    expect(assembleLayeredPrompt({ ...layers, identity: "x".repeat(8000) }).warnings).toEqual([]);
  });

  it("says so when there is no identity or no approved extension yet", () => {
    const { text } = assembleLayeredPrompt({ ...layers, identity: null, roleExtensions: [] });
    expect(text).toContain("none approved yet");
    expect(text).toContain("(empty:");
  });
});

describe("the consolidation nudge", () => {
  it("fires at every N-th wake without an identity edit, and never before", () => {
    expect(consolidationNudge(49, 50)).toBeNull();
    expect(consolidationNudge(50, 50)).toContain("50 wakes");
    expect(consolidationNudge(51, 50)).toBeNull();
    expect(consolidationNudge(100, 50)).toContain("100 wakes");
  });

  const nudgedPushes = (commands: readonly Command[]) =>
    commands.filter(
      (command) =>
        command.type === "channel.emit" && command.purpose === "digest" && command.content.includes("IDENTITY"),
    ).length;

  /** N digest pushes, each delivered, each with a new status line. */
  const pushes = (from: ReturnType<typeof startedCore>, count: number, start: number) => {
    let state = from;
    const commands: Command[] = [];
    for (let i = 0; i < count; i++) {
      const now = start + i * 10_000;
      const result = run(state, [
        { type: "InputsUpdated", now, panes: { "%5": { statusLine: `step ${start}-${i}` } } as never },
        { type: "EmitSucceeded", now, emitId: `digest-2-${state.heartbeat.pushCount + 1}` },
      ]);
      state = result.state;
      commands.push(...result.commands);
    }
    return { state, commands };
  };

  it("rides the digest after N wakes without an edit; an edit restarts the count", () => {
    const core = startedCore(null, { identityNudgeAfterWakes: 3, pushIntervalMs: 1_000 });
    // The first sight (push 1) went out at attach; deliver it.
    const first = run(core, [{ type: "EmitSucceeded", now: T0, emitId: "digest-2-1" }]);
    const noEdit = pushes(first.state, 2, T0 + 10_000);
    expect(noEdit.state.heartbeat.pushCount).toBe(3);
    expect(nudgedPushes(noEdit.commands)).toBe(1);
    const edited = run(noEdit.state, [{ type: "IdentityEdited", now: T0 + 100_000, chars: 9000 }]);
    const afterEdit = pushes(edited.state, 2, T0 + 200_000);
    expect(nudgedPushes(afterEdit.commands)).toBe(0);
    const third = pushes(afterEdit.state, 1, T0 + 300_000);
    expect(nudgedPushes(third.commands)).toBe(1);
    // The oversize warning rides with the nudge.
    expect(
      third.commands.some((c) => c.type === "channel.emit" && c.content.includes("over the 8000-character cap")),
    ).toBe(true);
  });
});
