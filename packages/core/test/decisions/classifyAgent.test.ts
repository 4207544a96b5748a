import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildDigest } from "../../src/decisions/buildDigest.js";
import { classifyAgent, detectAgent, splitShellWords } from "../../src/decisions/classifyAgent.js";
import { curatePane } from "../../src/decisions/curatePane.js";
import { type AgentSignature, DEFAULT_AGENT_SIGNATURES } from "../../src/domain/agentKind.js";
import { EMPTY_INPUTS } from "../../src/domain/observation.js";
import { T0 } from "../../src/testing/arbitraries.js";
import { cheapExpect } from "../cheapExpect.js";
import { observation } from "../support.js";

const entries = DEFAULT_AGENT_SIGNATURES.flatMap((entry) => [
  ...entry.names.map((name) => ({ kind: entry.kind, name, package: null as string | null })),
  ...(entry.packages ?? []).map((name) => ({ kind: entry.kind, name, package: name })),
]);

const segmentArb = fc.stringMatching(/^[a-z0-9_.-]{1,10}$/).filter((s) => s !== "." && s !== "..");
const directoryArb = fc.array(segmentArb, { minLength: 0, maxLength: 4 }).map((parts) => `/${parts.join("/")}`);
const versionArb = fc.option(
  fc.tuple(fc.nat(9), fc.nat(300), fc.nat(9)).map(([a, b, c]) => `${a}.${b}.${c}`),
  { nil: null },
);
const optionArb = fc.constantFrom("--max-old-space-size=4096", "--no-warnings", "--enable-source-maps", "-y", "--yes");
const nodeArb = fc.constantFrom("node", "/usr/bin/node", "/opt/node-20/bin/node", "nodejs");
const pythonArb = fc.constantFrom("python3", "python", "/usr/bin/python3.11", "python3.12", "pypy3");
const envArb = fc.array(
  fc
    .tuple(fc.stringMatching(/^[A-Z][A-Z0-9_]{0,8}$/), fc.stringMatching(/^[a-z0-9/]{0,8}$/))
    .map(([k, v]) => `${k}=${v}`),
  { maxLength: 2 },
);

/** Every wrapper form an agent from the table can be started with, as argv. */
const wrappedArgvArb = (name: string, pkg: string | null): fc.Arbitrary<string[]> => {
  const spec = (version: string | null) => (version === null ? name : `${name}@${version}`);
  const forms: fc.Arbitrary<string[]>[] = [
    // node path/to/agent (an npm bin, a global install, a package's script path)
    fc
      .tuple(nodeArb, fc.array(optionArb, { maxLength: 2 }), directoryArb)
      .map(([node, options, dir]) =>
        pkg === null
          ? [node, ...options, `${dir}/${name}`]
          : [node, ...options, `${dir}/node_modules/${pkg}/dist/index.js`, "--flag"],
      ),
    // npx [-y] agent[@version]
    fc
      .tuple(fc.array(optionArb, { maxLength: 1 }), versionArb)
      .map(([options, version]) => ["npx", ...options, spec(version)]),
    // bun x agent / bunx agent
    fc
      .tuple(fc.constantFrom(["bun", "x"], ["bunx"], ["/home/u/.bun/bin/bun", "x"]), versionArb)
      .map(([runner, version]) => [...runner, spec(version)]),
    // an env wrapper around the program itself
    fc.tuple(envArb, directoryArb).map(([env, dir]) => ["env", ...env, pkg === null ? `${dir}/${name}` : name]),
  ];
  // python3 -m module (a module name is a program name, never a scoped package)
  if (pkg === null && !name.includes("-")) {
    forms.push(
      fc
        .tuple(pythonArb, fc.constantFrom([], ["-u"], ["-X", "utf8"].slice(0, 1)))
        .map(([python, options]) => [python, ...options, "-m", name]),
    );
  }
  return fc.oneof(...forms);
};

/** A wrapper form of any table entry, with the kind it must be read as (built once, not per value). */
const formArb = fc.oneof(
  ...entries.map((entry) => wrappedArgvArb(entry.name, entry.package).map((argv) => ({ kind: entry.kind, argv }))),
);

describe("classifyAgent", () => {
  it("every wrapper form of every table entry is detected, from the process tree", () => {
    fc.assert(
      fc.property(
        formArb,
        fc.integer({ min: 0, max: 2 }),
        fc.constantFrom("node", "python3", "bun", "env"),
        ({ kind, argv }, depth, shownAs) => {
          // The agent may sit below a shell in the pane's tree, and tmux names the pane by a wrapper.
          const shells = Array.from({ length: depth }, () => ["-bash"]);
          cheapExpect(classifyAgent({ command: shownAs, processes: [...shells, argv] })).toBe(kind);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("every wrapper form is detected from the start command alone, quoted the way tmux prints it", () => {
    const quote = (word: string) => (/^[A-Za-z0-9_./=@:-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`);
    fc.assert(
      fc.property(formArb, fc.boolean(), ({ kind, argv }, viaShell) => {
        const line = argv.map(quote).join(" ");
        const startCommand = viaShell ? `/bin/sh -c "exec ${line.replaceAll('"', '\\"')}"` : line;
        cheapExpect(classifyAgent({ command: "node", startCommand })).toBe(kind);
      }),
      { numRuns: 1000 },
    );
  });

  it("an unknown command is null, in every wrapper form", () => {
    const taken = new Set(entries.map((entry) => entry.name.toLowerCase()));
    const unknownArb = fc
      .stringMatching(/^[a-z][a-z0-9-]{0,12}$/)
      .filter(
        (name) =>
          !taken.has(name) &&
          !/^(node|nodejs|bun|bunx|deno|tsx|ts-node|python.*|pypy.*|ruby|npx|pnpx|uvx|pipx|npm|pnpm|yarn|uv|env|exec|nohup|nice|ionice|time|command|stdbuf|setsid|sudo|sh|bash|dash|zsh|ksh|fish|ash|x|run|dlx|tool)$/.test(
            name,
          ),
      );
    fc.assert(
      fc.property(
        unknownArb.chain((name) => wrappedArgvArb(name, null).map((argv) => ({ name, argv }))),
        ({ name, argv }) => {
          cheapExpect(
            classifyAgent({ command: name, startCommand: argv.join(" "), processes: [["-bash"], argv] }),
          ).toBeNull();
          cheapExpect(detectAgent(name)).toBeNull();
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("regression: Codex and Gemini CLI from npm (shown as node) and an Aider console script (python3) were invisible", () => {
    // As seen on a real machine: Gemini CLI 0.61 and Codex 0.169 show as `node`, Aider as `python3`.
    const gemini = {
      command: "node",
      startCommand: "env HOME=/tmp/h /work/cache/node_modules/.bin/gemini",
      processes: [
        ["node", "/work/cache/node_modules/.bin/gemini"],
        ["/usr/bin/node", "--max-old-space-size=12052", "/work/cache/node_modules/.bin/gemini"],
      ],
    };
    const codex = {
      command: "node",
      startCommand: "",
      processes: [
        ["node", "/usr/lib/node_modules/@openai/codex/bin/codex.js"],
        ["/usr/lib/node_modules/@openai/codex-linux-x64/vendor/x86_64-unknown-linux-musl/bin/codex"],
      ],
    };
    const aider = {
      command: "python3",
      processes: [["-zsh"], ["/usr/bin/python3", "/home/u/.local/bin/aider", "--model", "x"]],
    };
    const claude = { command: "claude", processes: [["/home/u/.local/share/claude/versions/2.1.328"]] };
    expect(classifyAgent(gemini)).toBe("gemini");
    expect(classifyAgent(codex)).toBe("codex");
    expect(classifyAgent(aider)).toBe("aider");
    expect(classifyAgent(claude)).toBe("claude");
    const digest = buildDigest(
      [
        { ...observation(1), ...gemini },
        { ...observation(2), ...codex },
        { ...observation(3), ...aider },
      ],
      { now: T0, firstMatePaneId: null, inputs: EMPTY_INPUTS, alerts: {} },
    );
    expect(digest.panes.map((row) => row.agent)).toEqual(["gemini", "codex", "aider"]);
    expect(
      classifyAgent({
        command: "node",
        processes: [["node", "/usr/lib/node_modules/@google/gemini-cli/dist/index.js"]],
      }),
    ).toBe("gemini");
    expect(classifyAgent({ command: "uv", processes: [["uv", "tool", "run", "--from", "aider-chat", "aider"]] })).toBe(
      "aider",
    );
    expect(classifyAgent({ command: "pipx", processes: [["pipx", "run", "aider-chat==0.86.1"]] })).toBe("aider");
    expect(classifyAgent({ command: "deno", processes: [["deno", "run", "-A", "npm:@google/gemini-cli"]] })).toBe(
      "gemini",
    );
  });

  it("what merely mentions an agent is not one", () => {
    for (const argv of [
      ["vim", "claude.md"],
      ["less", "/var/log/codex.log"],
      ["node", "-e", "require('gemini')"],
      ["python3", "-c", "import aider"],
      ["git", "commit", "-m", "claude"],
      ["npm", "run", "codex"].slice(0, 2).concat(["build"]),
      ["tail", "-f", "/x/node_modules/@openai/codex/log"],
      ["sh", "-c", "sleep 100; echo claude"],
    ])
      expect(classifyAgent({ command: argv[0]!, processes: [argv] }), argv.join(" ")).toBeNull();
  });

  it("a kind declared at spawn wins: first-mate knows what it started", () => {
    expect(classifyAgent({ command: "sh", declaredAgent: "claude", processes: [["sh"]] })).toBe("claude");
  });

  it("embedders extend the table with new kinds and names", () => {
    const table: AgentSignature[] = [
      ...DEFAULT_AGENT_SIGNATURES,
      { kind: "crush", names: ["crush"], packages: ["@charmland/crush"] },
      { kind: "claude", names: ["cc"] },
    ];
    expect(classifyAgent({ command: "node", processes: [["npx", "@charmland/crush@1.2"]] }, table)).toBe("crush");
    expect(classifyAgent({ command: "cc" }, table)).toBe("claude");
    expect(classifyAgent({ command: "cc" })).toBeNull();
    const row = curatePane(
      { ...observation(4), command: "node", processes: [["node", "/opt/bin/crush"]] },
      { now: T0, agentSignatures: table },
    );
    expect(row?.agent).toBe("crush");
  });

  it("a pane asked again as the same object gets the answer a copy of it gets, table by table", () => {
    const table: AgentSignature[] = [...DEFAULT_AGENT_SIGNATURES, { kind: "crush", names: ["crush"] }];
    fc.assert(
      fc.property(formArb, fc.constantFrom("node", "crush"), ({ kind, argv }, shownAs) => {
        const pane = { command: shownAs, processes: [argv] };
        cheapExpect(classifyAgent(pane)).toBe(kind);
        cheapExpect(classifyAgent(pane)).toBe(kind);
        // The same object under another table: that table's answer, not the one remembered for the first.
        cheapExpect(classifyAgent(pane, table)).toBe(shownAs === "crush" ? "crush" : kind);
        cheapExpect(classifyAgent(pane, table)).toBe(classifyAgent({ ...pane, processes: [[...argv]] }, table));
        cheapExpect(classifyAgent(pane)).toBe(kind);
      }),
      { numRuns: 1000 },
    );
  });

  it("splitShellWords reads quoting the way a shell would", () => {
    expect(splitShellWords(`/bin/sh -c "exec 'claude' '--x' 'it'\\''s'"`)).toEqual([
      "/bin/sh",
      "-c",
      "exec 'claude' '--x' 'it'\\''s'",
    ]);
    expect(splitShellWords("exec 'claude' '--x' 'it'\\''s'")).toEqual(["exec", "claude", "--x", "it's"]);
    expect(splitShellWords("  a\\ b  c ")).toEqual(["a b", "c"]);
  });

  it("hostile input is bounded and never throws", () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 2000 }),
        fc.array(fc.array(fc.string({ maxLength: 50 }), { maxLength: 80 }), { maxLength: 5 }),
        (line, processes) => {
          const kind = classifyAgent({ command: line, startCommand: line, processes });
          cheapExpect(kind === null || typeof kind === "string").toBe(true);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
