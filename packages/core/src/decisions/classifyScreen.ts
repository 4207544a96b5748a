/**
 * classifyScreen: the last fallback for agent state — a captured pane screen
 * → a state, per agent kind, from a table of rules.
 *
 * Pure: executes nothing. Rules look only at the bottom of the screen (the
 * last `SCREEN_TAIL_LINES` non-blank lines), where agents draw their prompt,
 * spinner or permission dialog; scrollback never decides. Rules are tried in
 * order (permission dialogs first, then busy markers, then the idle prompt)
 * and the first match wins; no match is null ("the screen does not say"),
 * never a guess. Pinned by recorded screens in test/agentState/screens.
 */
import type { AgentKind } from "../domain/agentKind.js";
import type { EvidenceState } from "../domain/agentState.js";

/** One screen rule: the state it means, and the pattern over the screen's last lines. */
export interface ScreenRule {
  readonly state: EvidenceState;
  /** Tested against the joined tail lines (multiline, so `^`/`$` match per line). */
  readonly pattern: RegExp;
  /** A short name for the rule, carried as the evidence detail. */
  readonly name: string;
}

/** Screen rules per agent kind. */
export type ScreenRuleTable = Readonly<Partial<Record<AgentKind, readonly ScreenRule[]>>>;

/** How many non-blank lines from the bottom the rules see. */
export const SCREEN_TAIL_LINES = 14;

/** The screen rules first-mate ships, pinned by screens recorded from the real agents. */
export const DEFAULT_SCREEN_RULES: ScreenRuleTable = {
  claude: [
    {
      state: "waiting_permission",
      name: "permission dialog",
      pattern: /^\s*[│|]?\s*Do you want to (proceed|make this edit|create|allow)/im,
    },
    {
      state: "waiting_permission",
      name: "permission choices",
      pattern: /^\s*[│|]?\s*(❯\s*)?\d\.\s+Yes, and don't ask again/im,
    },
    { state: "busy", name: "interrupt hint", pattern: /\besc to interrupt\b/i },
    { state: "idle", name: "input prompt", pattern: /^\s*[│|]?\s*>\s.*$[\s\S]*\? for shortcuts/im },
  ],
  codex: [
    {
      state: "waiting_permission",
      name: "approval request",
      pattern: /^\s*(▌\s*)?(Allow command\?|Would you like to (run|make) the following)/im,
    },
    { state: "busy", name: "working", pattern: /^\s*[•◦·⠋-⣿]?\s*Working\b.*\besc to interrupt\b/im },
    { state: "idle", name: "composer", pattern: /⏎ send/ },
  ],
  gemini: [
    {
      state: "waiting_permission",
      name: "confirmation",
      pattern: /^\s*[│|]?\s*(Allow execution|Apply this change)\b.*\?/im,
    },
    { state: "busy", name: "cancel hint", pattern: /\(esc to cancel\b/i },
    { state: "idle", name: "input prompt", pattern: /Type your message or @path\/to\/file/ },
  ],
  aider: [
    { state: "waiting_permission", name: "yes/no question", pattern: /\?\s*\(Y\)es\/\(N\)o.*\[(Yes|No)\]:\s*$/im },
    { state: "busy", name: "waiting for model", pattern: /^\s*Waiting for \S+/im },
    { state: "idle", name: "input prompt", pattern: /^(\w+\s)?(architect|ask|code|help)?>\s*$/m },
  ],
};

const cutTail = (text: string): string => {
  const lines = text.split("\n").filter((line) => line.trim().length > 0);
  return lines.slice(-SCREEN_TAIL_LINES).join("\n");
};

/**
 * The tails of screens cut lately, by screen. A pane's screen is mostly the
 * same from one capture to the next, and cutting it (split, filter, join) is
 * most of what classifying costs. Bounded: emptied when full.
 */
const tails = new Map<string, string>();
const TAILS_KEPT = 64;

const tailOf = (text: string): string => {
  const known = tails.get(text);
  if (known !== undefined) return known;
  if (tails.size >= TAILS_KEPT) tails.clear();
  const tail = cutTail(text);
  tails.set(text, tail);
  return tail;
};

/** What a screen says: the state and the rule that matched, or null. */
export type ScreenReading = { readonly state: EvidenceState; readonly rule: string } | null;

/**
 * The readings of screens read lately, per list of rules. A pane mostly
 * shows the same screen from one capture to the next, and trying the rules
 * on its tail is most of what reading it costs. Bounded: emptied when full.
 * Rules that keep a state between matches (a global or sticky pattern) are
 * always tried: their answer may change with the same screen.
 */
const readings = new WeakMap<readonly ScreenRule[], Map<string, ScreenReading> | null>();

const readingsOf = (rules: readonly ScreenRule[]): Map<string, ScreenReading> | null => {
  let known = readings.get(rules);
  if (known === undefined) {
    known = rules.some((rule) => rule.pattern.global || rule.pattern.sticky) ? null : new Map();
    readings.set(rules, known);
  }
  return known;
};

const readScreen = (rules: readonly ScreenRule[], screen: string): ScreenReading => {
  const tail = tailOf(screen);
  for (const rule of rules) if (rule.pattern.test(tail)) return Object.freeze({ state: rule.state, rule: rule.name });
  return null;
};

/** Pure: what a captured screen says about the agent's state, or null (a reading is shared: never written to). */
export const classifyScreen = (
  kind: AgentKind,
  screen: string,
  table: ScreenRuleTable = DEFAULT_SCREEN_RULES,
): ScreenReading => {
  const rules = table[kind];
  if (!rules) return null;
  const known = readingsOf(rules);
  if (known === null) return readScreen(rules, screen);
  const reading = known.get(screen);
  if (reading !== undefined) return reading;
  const read = readScreen(rules, screen);
  if (known.size >= TAILS_KEPT) known.clear();
  known.set(screen, read);
  return read;
};

/** Pure: what `classifyScreen` answers, with the rules tried afresh (nothing remembered is read or kept). */
export const classifyScreenAfresh = (
  kind: AgentKind,
  screen: string,
  table: ScreenRuleTable = DEFAULT_SCREEN_RULES,
): ScreenReading => {
  const rules = table[kind];
  return rules ? readScreenAfresh(rules, screen) : null;
};

const readScreenAfresh = (rules: readonly ScreenRule[], screen: string): ScreenReading => {
  const tail = cutTail(screen);
  for (const rule of rules) if (rule.pattern.test(tail)) return { state: rule.state, rule: rule.name };
  return null;
};
