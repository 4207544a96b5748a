/**
 * classifyTitle: a pane title → a state, per agent kind, from a table.
 *
 * Pure: executes nothing. Deliberately narrow: only a title that clearly
 * says "working" (Claude Code animates a braille spinner at the start of
 * its title while it works) counts; any other title says nothing (null),
 * because a still title cannot tell idle from waiting for permission.
 */
import type { AgentKind } from "../domain/agentKind.js";
import type { EvidenceState } from "../domain/agentState.js";

/** One pane-title rule: the state it means, and its pattern. */
export interface TitleRule {
  readonly state: EvidenceState;
  readonly pattern: RegExp;
}

/** Title rules per agent kind. */
export type TitleRuleTable = Readonly<Partial<Record<AgentKind, readonly TitleRule[]>>>;

/** The title rules first-mate ships (Claude Code's spinner means busy). */
export const DEFAULT_TITLE_RULES: TitleRuleTable = {
  claude: [{ state: "busy", pattern: /^[\u2801-\u28FF]\s/ }],
};

/** Pure: what a pane title says about the agent's state, or null. */
export const classifyTitle = (
  kind: AgentKind,
  title: string,
  table: TitleRuleTable = DEFAULT_TITLE_RULES,
): EvidenceState | null => {
  for (const rule of table[kind] ?? []) if (rule.pattern.test(title)) return rule.state;
  return null;
};
