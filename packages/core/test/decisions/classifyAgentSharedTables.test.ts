/**
 * A table holding the default table's entries themselves, in its order (what
 * every parsed configuration holds: a copy of the default list) shares the
 * default table's remembered answers. Whatever table a pane is classified
 * with, after whatever other tables, the answer is the one computed afresh
 * (classifyAgentAfresh).
 */
import fc from "fast-check";
import { describe, it } from "vitest";
import { classifyAgent, classifyAgentAfresh, type PaneCommandLines } from "../../src/decisions/classifyAgent.js";
import { type AgentSignature, DEFAULT_AGENT_SIGNATURES } from "../../src/domain/agentKind.js";
import { cheapExpect } from "../cheapExpect.js";

const DEFAULT = DEFAULT_AGENT_SIGNATURES;

/** Tables near the default: its copy (shares its answers), and others that must not. */
const tables: readonly (() => readonly AgentSignature[])[] = [
  () => DEFAULT,
  () => [...DEFAULT],
  () => [...DEFAULT].reverse(),
  () => DEFAULT.map((entry, index) => (index === 0 ? { ...entry, kind: "custom" } : entry)),
  () => DEFAULT.map((entry, index) => (index === 1 ? { kind: "claude", names: entry.names } : entry)),
  () => DEFAULT.slice(1),
  () => [...DEFAULT, { kind: "mine", names: ["bash"] }],
  () => [{ kind: "wrapped", names: ["claude"] }, ...DEFAULT.slice(1)],
];

const commands = [
  "claude",
  "codex",
  "node /usr/lib/node_modules/@openai/codex/bin/codex.js",
  "npx @google/gemini-cli@latest",
  "python3 -m aider",
  "bash",
  "env FOO=1 claude --resume",
  "goose",
  "vim",
];

const paneArb: fc.Arbitrary<PaneCommandLines> = fc.record(
  {
    command: fc.constantFrom(...commands),
    startCommand: fc.constantFrom(...commands),
    processes: fc.array(
      fc.constantFrom(...commands).map((line) => line.split(" ")),
      { maxLength: 2 },
    ),
  },
  { requiredKeys: ["command"] },
);

describe("agent detection tables that share answers", () => {
  it("classify every pane as a table of fresh entries does", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ pane: paneArb, table: fc.nat(tables.length - 1) }), { minLength: 1, maxLength: 3 }),
        (asks) => {
          for (const { pane, table: index } of asks) {
            const table = tables[index]!();
            // The default table answers first: a table wrongly sharing its answers gets them.
            classifyAgent(pane, DEFAULT);
            cheapExpect(classifyAgent(pane, table)).toBe(classifyAgentAfresh(pane, table));
            // A pane object not seen before: its command lines are looked up by table.
            cheapExpect(classifyAgent({ ...pane }, table)).toBe(classifyAgentAfresh(pane, table));
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});
