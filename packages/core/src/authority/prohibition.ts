/**
 * Absolute prohibitions (docs/design.md, Authority): actions denied whatever the conn and the
 * budget. An extensible, configured list of plain data: a rule names the
 * action kinds it covers and argument patterns that must all match.
 *
 * Pure. A rule with an invalid regular expression is refused when the
 * configuration is parsed, never at the moment of a decision.
 *
 * Patterns match normalised text (see `normaliseForProhibitions`): line
 * continuations joined, quotes and escapes dropped, whitespace collapsed,
 * case folded, compatibility forms folded (full-width letters). The default
 * rules cover plain-language forms too ("force-push your branch",
 * `psql $PROD_DATABASE_URL`). They judge actions and the text sent to
 * agents, never the first mate's own notes: a rule for every kind (`*`)
 * does not cover `captains_log_append` (a log line about "the production
 * bug" is not an action); a rule that names that kind still does.
 *
 * Does not: make the fleet safe. Prohibitions are a seat belt against a
 * confused or injected first mate asking plainly, not a sandbox: text can
 * always be obfuscated past a pattern (docs/threat-model.md).
 */
import { z } from "zod";
import type { AuthorityAction } from "./authorityAction.js";

const isRegExp = (source: string, flags: string): boolean => {
  try {
    new RegExp(source, flags);
    return true;
  } catch {
    return false;
  }
};

/** A pattern over one argument of an action (or any argument, `*`), matched on normalised text. */
export const ArgumentPatternSchema = z
  .object({
    /** The argument to look at; `*` means any argument (one match is enough). */
    arg: z.string().min(1).max(64),
    /** A JavaScript regular expression, as source text. */
    pattern: z.string().min(1).max(500),
    flags: z
      .string()
      .regex(/^[imsu]*$/, "flags are a subset of imsu")
      .default("i"),
  })
  .refine((value) => isRegExp(value.pattern, value.flags), { message: "not a valid regular expression" });
/** A parsed {@link ArgumentPatternSchema}. */
export type ArgumentPattern = z.infer<typeof ArgumentPatternSchema>;

/**
 * A prohibition: an id, a description, the action kinds it covers and the argument patterns that make an action
 * prohibited. Denied in every conn and budget state.
 */
export const ProhibitionSchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, "a prohibition id is lower kebab case"),
  description: z.string().min(1).max(300),
  /** Action kinds covered; `*` covers every kind. */
  kinds: z.array(z.string().min(1).max(64)).min(1),
  /** All must match; none means the kind alone is prohibited. */
  args: z.array(ArgumentPatternSchema).default([]),
});
/** A parsed {@link ProhibitionSchema}. */
export type Prohibition = z.infer<typeof ProhibitionSchema>;

/** Git's push with any form of force, anywhere in a command or a task (normalised text: one line). */
const FORCE_PUSH = String.raw`\bgit\b.*\bpush\b.*(\s--force(-with-lease|-if-includes)?\b|\s-[a-z]*f[a-z]*\b|\s\+\S)`;
/** Force-pushing in plain words: "force-push", "force push", "push … with force", "push --force", "push -f". */
const FORCE_PUSH_WORDS = String.raw`\bforce[\s_-]*push|\bpush(es|ed|ing)?\b(\s+\S+){0,6}?\s+(--force|-f\b|(with|using)\s+(--)?force\b|forcefully\b|by\s+force\b)`;
/** Anything that names production, also inside identifiers (`$PROD_DATABASE_URL`, `prod-db-1`). */
const PRODUCTION = "(^|[^a-z0-9])(prod|production)([^a-z0-9]|$)";
/** Merging past branch protection in plain words. */
const BYPASS_PROTECTION = String.raw`\badmin[\s_-]*merge|\bmerge\b.*\b(bypass\w*|overrid\w*|skip\w*|ignor\w*)\s+(the\s+)?(branch\s+)?protection`;

/** The kit's prohibitions. Extend by configuring `[...DEFAULT_PROHIBITIONS, yours]`. */
export const DEFAULT_PROHIBITIONS: readonly Prohibition[] = [
  {
    id: "merge-protected-pr",
    description: "merge a pull request into a protected branch",
    kinds: ["merge_pr"],
    args: [{ arg: "protected", pattern: "^true$", flags: "i" }],
  },
  {
    id: "merge-bypassing-protection",
    description: "merge a pull request bypassing branch protection",
    kinds: ["*"],
    args: [{ arg: "*", pattern: String.raw`\bgh\s+pr\s+merge\b.*--admin\b`, flags: "i" }],
  },
  {
    id: "merge-bypassing-protection-words",
    description: "merge a pull request bypassing branch protection",
    kinds: ["*"],
    args: [{ arg: "*", pattern: BYPASS_PROTECTION, flags: "i" }],
  },
  {
    id: "force-push",
    description: "force-push a branch",
    kinds: ["*"],
    args: [{ arg: "*", pattern: FORCE_PUSH, flags: "i" }],
  },
  {
    id: "force-push-words",
    description: "force-push a branch",
    kinds: ["*"],
    args: [{ arg: "*", pattern: FORCE_PUSH_WORDS, flags: "i" }],
  },
  {
    id: "touch-prod",
    description: "touch production (deploys, prod hosts, prod data)",
    kinds: ["deploy", "touch_prod"],
    args: [],
  },
  {
    id: "prod-in-arguments",
    description: "an action whose arguments name production",
    kinds: ["*"],
    args: [{ arg: "*", pattern: PRODUCTION, flags: "i" }],
  },
];

/** Compiled once per pattern: the rules are configuration, the same few every call. */
const compiled = new Map<string, RegExp>();
const expressionOf = (rule: ArgumentPattern): RegExp => {
  const key = `${rule.flags}/${rule.pattern}`;
  let expression = compiled.get(key);
  if (expression === undefined) {
    // No `g` or `y` flag is accepted, so `test` keeps no state between calls.
    expression = new RegExp(rule.pattern, rule.flags);
    if (compiled.size < 1000) compiled.set(key, expression);
  }
  return expression;
};

/**
 * Pure: the form of `text` that prohibitions match. A backslash-newline
 * (a shell line continuation) joins its lines; quotes, backticks and the
 * remaining backslashes go (`git push '--force'`, `--for\\ce`); every run
 * of whitespace becomes one space; case and compatibility forms are folded.
 */
export const normaliseForProhibitions = (text: string): string =>
  text
    .normalize("NFKC")
    .replace(/\\\r?\n/g, " ")
    .replace(/["'`\\]/g, "")
    .replace(/\s+/g, " ")
    .trim()
    .toLowerCase();

/** The first mate's own notes: not actions, so rules for every kind (`*`) leave them alone. */
export const NOTE_ACTIONS: readonly string[] = ["captains_log_append"];

const argumentMatches = (rule: ArgumentPattern, values: Readonly<Record<string, string>>): boolean => {
  const expression = expressionOf(rule);
  const candidates = rule.arg === "*" ? Object.values(values) : rule.arg in values ? [values[rule.arg]!] : [];
  return candidates.some((value) => expression.test(value));
};

/** Pure: the first prohibition that covers `action`, or null. */
export const findProhibition = (action: AuthorityAction, prohibitions: readonly Prohibition[]): Prohibition | null => {
  let normalised: Record<string, string> | null = null;
  for (const rule of prohibitions) {
    const coversKind =
      rule.kinds.includes(action.kind) || (rule.kinds.includes("*") && !NOTE_ACTIONS.includes(action.kind));
    if (!coversKind) continue;
    if (rule.args.length === 0) return rule;
    if (normalised === null) {
      normalised = {};
      for (const [key, value] of Object.entries(action.args)) normalised[key] = normaliseForProhibitions(value);
      // The target's name is matched too, under a key no argument can take.
      normalised["\u0000target"] = normaliseForProhibitions(action.target.name ?? "");
    }
    if (rule.args.every((pattern) => argumentMatches(pattern, normalised!))) return rule;
  }
  return null;
};
