/**
 * classifyStartupDialog remembers the shipped rules' answer for the screen
 * read last. Whatever screens come, in whatever order (the same screen
 * again, a recorded dialog, a slightly different one, a screen read with
 * other rules in between), every answer is the one the rules give tried
 * afresh.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, it } from "vitest";
import {
  classifyStartupDialog,
  classifyStartupDialogAfresh,
  DEFAULT_STARTUP_DIALOGS,
  type StartupDialogRule,
} from "../../src/decisions/startupDialogs.js";
import { FIRST_MATE_SCREENS } from "../../src/testing/arbitraries.js";
import { cheapExpect } from "../cheapExpect.js";

const SCREENS = join(dirname(fileURLToPath(import.meta.url)), "screens");
const recorded = readdirSync(SCREENS)
  .filter((name) => name.endsWith(".txt"))
  .map((name) => readFileSync(join(SCREENS, name), "utf8"));

/** Other rules: one that takes any screen naming a trust dialog. */
const OTHER_RULES: readonly StartupDialogRule[] = [
  { id: "any_trust", title: "a trust dialog", patterns: [/trust/i], answer: null },
];

const screenArb = fc.oneof(
  fc.constantFrom(...Object.values(FIRST_MATE_SCREENS), ...recorded),
  // A recorded screen with a line more or less at its foot: the same screen but for its tail.
  fc
    .tuple(fc.constantFrom(...recorded), fc.constantFrom("", "\n", "\n> ", "\nNot logged in · run /login"))
    .map(([text, foot]) => text + foot),
  fc.string({ maxLength: 20 }),
);

const readArb = fc.record({ screen: screenArb, otherRules: fc.boolean() });

describe("classifyStartupDialog's remembered answer", () => {
  it("is at every read what the rules tried afresh give", () => {
    fc.assert(
      fc.property(fc.array(readArb, { minLength: 1, maxLength: 8 }), (reads) => {
        for (const { screen, otherRules } of reads) {
          const rules = otherRules ? OTHER_RULES : DEFAULT_STARTUP_DIALOGS;
          cheapExpect(classifyStartupDialog(screen, rules)?.id ?? null).toBe(
            classifyStartupDialogAfresh(screen, rules)?.id ?? null,
          );
        }
      }),
      { numRuns: 1000 },
    );
  });
});
