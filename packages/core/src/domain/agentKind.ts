/**
 * Which coding agent runs in a pane: the kinds, and the table that names them.
 *
 * A kind is a short lowercase name. The default table knows the common
 * agents; an embedder adds its own entries (new kinds, or more names for a
 * known one) and passes the longer table. The classifier that reads the
 * table is `classifyAgent` (decisions/classifyAgent.ts).
 */
import { z } from "zod";

/** An agent kind: the default table's, or one an embedder's table adds. */
export const AgentKindSchema = z
  .string()
  .regex(/^[a-z][a-z0-9_-]{0,31}$/, "an agent kind is 1–32 lowercase letters, digits, '_' or '-'");
/** A parsed {@link AgentKindSchema}. */
export type AgentKind = z.infer<typeof AgentKindSchema>;

/** The kinds the default table knows. */
export const KNOWN_AGENT_KINDS = ["claude", "codex", "gemini", "aider", "opencode", "cursor", "goose", "amp"] as const;

/**
 * One agent in the detection table.
 *
 * `names` are program names as a process or a script calls itself (compared
 * lowercased, without a directory and without `.exe`, `.js`, `.cjs`, `.mjs`,
 * `.ts`, `.py`); a Python module of the same name counts (`python3 -m aider`).
 * `packages` are the npm or Python package names it is installed as; they
 * are recognised in a runner's package argument (`npx @openai/codex@0.169`)
 * and in an installed script's path (`…/node_modules/@google/gemini-cli/…`).
 */
export const AgentSignatureSchema = z.object({
  kind: AgentKindSchema,
  names: z.array(z.string().min(1).max(100)).min(1).max(32),
  packages: z.array(z.string().min(1).max(214)).max(32).optional(),
});
/** A parsed {@link AgentSignatureSchema}. */
export type AgentSignature = z.infer<typeof AgentSignatureSchema>;

/** The default table: the first entry that matches a command line wins. */
export const DEFAULT_AGENT_SIGNATURES: readonly AgentSignature[] = [
  { kind: "claude", names: ["claude", "claude-code"], packages: ["@anthropic-ai/claude-code"] },
  { kind: "codex", names: ["codex"], packages: ["@openai/codex"] },
  { kind: "gemini", names: ["gemini"], packages: ["@google/gemini-cli"] },
  { kind: "aider", names: ["aider"], packages: ["aider-chat", "aider-install"] },
  { kind: "opencode", names: ["opencode"], packages: ["opencode-ai"] },
  { kind: "cursor", names: ["cursor-agent"] },
  { kind: "goose", names: ["goose"] },
  { kind: "amp", names: ["amp"], packages: ["@sourcegraph/amp"] },
];
