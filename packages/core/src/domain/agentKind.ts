/**
 * Which coding agent runs in a pane, detected from the pane's current command.
 *
 * Table-driven and pure: embedders extend detection by passing their own
 * table. Detection never throws; an unknown command is `null` (not an agent).
 */
import { z } from "zod";

/** The agents first-mate recognises. */
export const AgentKindSchema = z.enum(["claude", "codex", "gemini", "aider", "opencode", "cursor", "goose", "amp"]);
/** A parsed {@link AgentKindSchema}. */
export type AgentKind = z.infer<typeof AgentKindSchema>;

/** How a command names an agent: the kind, and the pattern the command matches. */
export interface AgentPattern {
  readonly kind: AgentKind;
  /** Matched against the basename of the command (lowercased). */
  readonly pattern: RegExp;
}

/** The default table, most specific first. */
export const DEFAULT_AGENT_PATTERNS: readonly AgentPattern[] = [
  { kind: "claude", pattern: /^(claude|claude-code)$/ },
  { kind: "codex", pattern: /^codex(-[a-z0-9-]+)?$/ },
  { kind: "gemini", pattern: /^gemini$/ },
  { kind: "aider", pattern: /^aider$/ },
  { kind: "opencode", pattern: /^opencode$/ },
  { kind: "cursor", pattern: /^cursor-agent$/ },
  { kind: "goose", pattern: /^goose$/ },
  { kind: "amp", pattern: /^amp$/ },
];

const classify = (command: string, table: readonly AgentPattern[]): AgentKind | null => {
  const base = command.trim().split(/\s+/)[0]?.split("/").pop()?.toLowerCase() ?? "";
  for (const entry of table) if (entry.pattern.test(base)) return entry.kind;
  return null;
};

/**
 * A fleet runs a handful of distinct commands, and detection runs for every
 * pane on every tick: answers are remembered per table. Still pure — the
 * same command and table always give the same answer; the memo only skips
 * recomputing it, and is bounded.
 */
const MEMO_LIMIT = 4096;
const memo = new WeakMap<readonly AgentPattern[], Map<string, AgentKind | null>>();

/** Pure: the agent kind for a pane's current command, or null. */
export const detectAgent = (
  command: string,
  table: readonly AgentPattern[] = DEFAULT_AGENT_PATTERNS,
): AgentKind | null => {
  let known = memo.get(table);
  if (known === undefined) {
    known = new Map();
    memo.set(table, known);
  }
  const cached = known.get(command);
  if (cached !== undefined) return cached;
  const kind = classify(command, table);
  if (known.size >= MEMO_LIMIT) known.clear();
  known.set(command, kind);
  return kind;
};
