/**
 * Absolute prohibitions (SPEC §8): actions denied whatever the conn and the
 * budget. An extensible, configured list of plain data: a rule names the
 * action kinds it covers and argument patterns that must all match.
 *
 * Pure. A rule with an invalid regular expression is refused when the
 * configuration is parsed, never at the moment of a decision.
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
export type ArgumentPattern = z.infer<typeof ArgumentPatternSchema>;

export const ProhibitionSchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, "a prohibition id is lower kebab case"),
  description: z.string().min(1).max(300),
  /** Action kinds covered; `*` covers every kind. */
  kinds: z.array(z.string().min(1).max(64)).min(1),
  /** All must match; none means the kind alone is prohibited. */
  args: z.array(ArgumentPatternSchema).default([]),
});
export type Prohibition = z.infer<typeof ProhibitionSchema>;

/** Git's push with any form of force, anywhere in a command or a task. */
const FORCE_PUSH = String.raw`\bgit\b[^\n]*\bpush\b[^\n]*(\s--force(-with-lease)?\b|\s-[a-zA-Z]*f[a-zA-Z]*\b|\s\+\S)`;
/** Anything that names production. */
const PRODUCTION = String.raw`\b(prod|production)\b`;

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
    args: [{ arg: "*", pattern: String.raw`\bgh\s+pr\s+merge\b[^\n]*--admin\b`, flags: "i" }],
  },
  {
    id: "force-push",
    description: "force-push a branch",
    kinds: ["*"],
    args: [{ arg: "*", pattern: FORCE_PUSH, flags: "i" }],
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

const argumentMatches = (rule: ArgumentPattern, action: AuthorityAction): boolean => {
  const expression = expressionOf(rule);
  const values =
    rule.arg === "*"
      ? [...Object.values(action.args), action.target.name ?? ""]
      : rule.arg in action.args
        ? [action.args[rule.arg]!]
        : [];
  return values.some((value) => expression.test(value));
};

/** Pure: the first prohibition that covers `action`, or null. */
export const findProhibition = (action: AuthorityAction, prohibitions: readonly Prohibition[]): Prohibition | null => {
  for (const rule of prohibitions) {
    if (!rule.kinds.includes("*") && !rule.kinds.includes(action.kind)) continue;
    if (rule.args.every((pattern) => argumentMatches(pattern, action))) return rule;
  }
  return null;
};
