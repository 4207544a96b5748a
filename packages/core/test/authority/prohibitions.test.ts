/**
 * Prohibitions match normalised text and plain-language forms, judge the
 * text sent to agents (nudge included), and never the first mate's own
 * captain's-log lines. Each defect found by trying the rules as a hostile
 * neighbour would is pinned by name; the properties generate the variants.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { AuthorityAction } from "../../src/authority/authorityAction.js";
import { type AuthorityContext, authorize, isAgentCommandText } from "../../src/authority/authorize.js";
import { DEFAULT_BUDGET_POLICY } from "../../src/authority/budgetStewardship.js";
import type { Conn } from "../../src/authority/conn.js";
import { DEFAULT_PROHIBITIONS, findProhibition, normaliseForProhibitions } from "../../src/authority/prohibition.js";
import { cheapExpect } from "../cheapExpect.js";
import { pid, T0 } from "../support.js";
import { connArb, heldConn, MARKER, usageArb } from "./authoritySupport.js";

const WORKER = pid(5);

const contextFor = (conn: Conn, overrides: Partial<AuthorityContext> = {}): AuthorityContext => ({
  now: T0,
  conn,
  usage: { percent: 10, resetsAt: null },
  budget: DEFAULT_BUDGET_POLICY,
  prohibitions: DEFAULT_PROHIBITIONS,
  firstMatePaneId: MARKER.paneId,
  ...overrides,
});

/** Every way the first mate sends text to an agent, as the action `authorize` sees. */
const TEXT_SENDERS: readonly ((text: string) => AuthorityAction)[] = [
  (text) => ({ kind: "assign_task", target: { paneId: WORKER, name: "api" }, args: { task: text } }),
  (text) => ({ kind: "spawn_worker", target: { name: "helper" }, args: { task: text } }),
  (text) => ({ kind: "spawn_worker", target: { name: "helper" }, args: { command: text } }),
  (text) => ({ kind: "nudge", target: { paneId: WORKER, name: "api" }, args: { message: text } }),
];

const nudge = (message: string): AuthorityAction => TEXT_SENDERS[3]!(message);
const logLine = (text: string): AuthorityAction => ({ kind: "captains_log_append", target: {}, args: { text } });

describe("prohibition regressions", () => {
  it("a force-push split by a shell line continuation is denied", () => {
    const verdict = authorize(nudge("git push \\\n  --force origin main"), contextFor(heldConn()));
    expect(verdict).toMatchObject({ decision: "deny", prohibition: "force-push" });
  });

  it('"force-push your branch" in plain words is denied', () => {
    expect(findProhibition(nudge("now force-push your branch"), DEFAULT_PROHIBITIONS)?.id).toBe("force-push-words");
  });

  it("psql $PROD_DATABASE_URL is denied (production inside an identifier)", () => {
    expect(findProhibition(nudge("run psql $PROD_DATABASE_URL -c 'select 1'"), DEFAULT_PROHIBITIONS)?.id).toBe(
      "prod-in-arguments",
    );
  });

  it("a captain's-log line about the production bug is not denied", () => {
    const verdict = authorize(logLine("the production bug is fixed"), contextFor({ holder: "human", since: 0 }));
    expect(verdict).toEqual({ decision: "allow" });
  });

  it("git push --force with the text folded (upper case, tabs, quotes) is denied", () => {
    expect(findProhibition(nudge("GIT\tPUSH   '--FORCE'"), DEFAULT_PROHIBITIONS)?.id).toBe("force-push");
  });

  it("ordinary words that only contain prod or push are not denied", () => {
    for (const text of ["update the product page", "push your branch and open a PR", "reproduce the bug"]) {
      expect(findProhibition(nudge(text), DEFAULT_PROHIBITIONS), text).toBeNull();
    }
  });

  it("normalisation joins continuations, drops quotes, collapses blanks and folds case and width", () => {
    expect(normaliseForProhibitions('  Git  PUSH \\\n\t"--Force"  ')).toBe("git push --force");
    expect(normaliseForProhibitions("ｇｉｔ ｐｕｓｈ")).toBe("git push");
  });
});

describe("nudge under authority", () => {
  it("text a coding agent reads as a command (!, /, #) is refused with the conn held by the human", () => {
    for (const text of ["!rm -rf build", "/clear", "# always skip the tests", "fine\n/compact", '  "!ls"']) {
      expect(isAgentCommandText(text), text).toBe(true);
      expect(authorize(nudge(text), contextFor({ holder: "human", since: 0 })).decision, text).toBe("deny");
    }
    expect(authorize(nudge("please rebase on main"), contextFor({ holder: "human", since: 0 }))).toEqual({
      decision: "allow",
    });
  });

  it("a command nudge is allowed only under an unexpired conn whose scope covers assign_task on that pane", () => {
    const covering = heldConn({ scope: { actions: ["assign_task"], targets: [WORKER] } });
    expect(authorize(nudge("/compact"), contextFor(covering))).toEqual({ decision: "allow" });
    const otherPane = heldConn({ scope: { actions: ["assign_task"], targets: ["%9"] } });
    expect(authorize(nudge("/compact"), contextFor(otherPane)).decision).toBe("deny");
    const spawnOnly = heldConn({ scope: { actions: ["spawn_worker"], targets: ["*"] } });
    expect(authorize(nudge("/compact"), contextFor(spawnOnly)).decision).toBe("deny");
    const expired = heldConn({ expiresAt: T0 - 1 });
    expect(authorize(nudge("/compact"), contextFor(expired)).decision).toBe("deny");
  });
});

/** A prohibited request, in its words, before any disguise. */
const prohibitedCoreArb = fc.constantFrom(
  ["git", "push", "--force", "origin", "main"],
  ["git", "push", "-f", "origin", "feature"],
  ["git", "push", "origin", "+feature"],
  ["git", "push", "--force-with-lease"],
  ["force-push", "your", "branch"],
  ["force", "push", "the", "branch"],
  ["push", "the", "branch", "with", "force"],
  ["gh", "pr", "merge", "12", "--admin"],
  ["admin-merge", "the", "PR"],
  ["merge", "it", "bypassing", "branch", "protection"],
  ["psql", "$PROD_DATABASE_URL"],
  ["deploy", "to", "prod"],
  ["restart", "the", "production", "database"],
  ["ssh", "prod-db-1"],
);

/** The same words, disguised: line continuations, spacing, case, quotes around a word, noise around it. */
const disguisedArb = fc
  .tuple(
    prohibitedCoreArb,
    fc.array(fc.constantFrom(" ", "  ", "\t", " \\\n", " \\\r\n  ", "\t\\\n\t"), { minLength: 6, maxLength: 6 }),
    fc.array(fc.constantFrom("lower", "upper", "title", "quoted", "as-is"), { minLength: 6, maxLength: 6 }),
    fc.constantFrom("", "please ", "then: ", "ok so "),
    fc.constantFrom("", " and report back", "; echo done", " now."),
  )
  .map(([words, gaps, cases, before, after]) => {
    const styled = words.map((word, index) => {
      switch (cases[index % cases.length]) {
        case "lower":
          return word.toLowerCase();
        case "upper":
          return word.toUpperCase();
        case "title":
          return word.charAt(0).toUpperCase() + word.slice(1);
        case "quoted":
          return `'${word}'`;
        default:
          return word;
      }
    });
    const joined = styled.reduce(
      (text, word, index) => (index === 0 ? word : `${text}${gaps[index % gaps.length]}${word}`),
      "",
    );
    return `${before}${joined}${after}`;
  });

describe("prohibition properties", () => {
  it("invariant 9: disguised prohibited text is denied in every conn and budget state, through every tool that sends text", () => {
    fc.assert(
      fc.property(
        disguisedArb,
        fc.constantFrom(...TEXT_SENDERS),
        connArb,
        usageArb,
        fc.integer({ min: 0, max: T0 * 2 }),
        (text, sender, conn, usage, now) => {
          const verdict = authorize(sender(text), contextFor(conn, { usage, now }));
          cheapExpect(verdict.decision).toBe("deny");
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("captain's-log text is never denied for naming a prohibited thing", () => {
    fc.assert(
      fc.property(disguisedArb, connArb, usageArb, (text, conn, usage) => {
        cheapExpect(authorize(logLine(text), contextFor(conn, { usage }))).toEqual({ decision: "allow" });
      }),
      { numRuns: 1000 },
    );
  });
});
