/**
 * classifyScreen remembers the reading of each screen lately read, per list
 * of rules (rules that keep a state between matches are always tried).
 * Whatever sequence of screens, kinds and tables, every reading is the one
 * the rules give when tried afresh (classifyScreenAfresh).
 */
import fc from "fast-check";
import { describe, it } from "vitest";
import {
  classifyScreen,
  classifyScreenAfresh,
  DEFAULT_SCREEN_RULES,
  type ScreenRuleTable,
} from "../../src/decisions/classifyScreen.js";
import type { AgentKind } from "../../src/domain/agentKind.js";
import { FIRST_MATE_SCREENS, WORKER_SCREENS } from "../../src/testing/arbitraries.js";
import { cheapExpect } from "../cheapExpect.js";

/**
 * Tables in pairs of twins (the same rules, each pattern its own object):
 * one is read through the memo, the other afresh, so a pattern that keeps a
 * state between matches moves alike in both.
 */
const twins = (make: () => ScreenRuleTable): readonly [ScreenRuleTable, ScreenRuleTable] => [make(), make()];

const tables: readonly (readonly [ScreenRuleTable, ScreenRuleTable])[] = [
  [DEFAULT_SCREEN_RULES, DEFAULT_SCREEN_RULES],
  twins(() => ({
    claude: [
      { state: "busy", name: "any prompt", pattern: /^>/m },
      { state: "idle", name: "shortcuts", pattern: /shortcuts/ },
    ],
  })),
  // A global pattern: each match moves its lastIndex, so the same screen reads one way, then the other.
  twins(() => ({ claude: [{ state: "busy", name: "global interrupt", pattern: /interrupt/g }] })),
  twins(() => ({ codex: [{ state: "idle", name: "sticky prompt", pattern: /screen/y }] })),
];

const screens = [
  ...Object.values(WORKER_SCREENS),
  ...Object.values(FIRST_MATE_SCREENS),
  "screen of %1 (40 lines)",
  "✻ Compiling… (esc to interrupt)\n\n\n> \n? for shortcuts",
];

const askArb = fc.record({
  table: fc.nat(tables.length - 1),
  kind: fc.constantFrom<AgentKind>("claude", "codex", "gemini", "aider", "goose"),
  screen: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...screens) }, fc.string({ maxLength: 40 })),
});

describe("classifyScreen's remembered readings", () => {
  it("read every screen as the rules tried afresh do", () => {
    fc.assert(
      fc.property(fc.array(askArb, { minLength: 1, maxLength: 12 }), (asks) => {
        for (const { table, kind, screen } of asks) {
          const [remembered, afresh] = tables[table]!;
          // A new string of the same text, as a new capture brings.
          const text = [...screen].join("");
          cheapExpect(classifyScreen(kind, text, remembered)).toEqual(classifyScreenAfresh(kind, text, afresh));
        }
      }),
      { numRuns: 1000 },
    );
  });
});
