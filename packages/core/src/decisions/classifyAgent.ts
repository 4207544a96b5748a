/**
 * classifyAgent: which agent a pane runs, seen through wrappers.
 *
 * tmux names a pane by its foreground program, so an agent started by an
 * interpreter or a package runner shows as `node`, `python3`, `bun`, `env`…
 * The classifier reads, in order: the kind first-mate declared when it
 * spawned the pane, the pane's current command, the argv of the pane's
 * processes (the pane's own process first), and the command tmux started the
 * pane with. Each command line is unwrapped: environment assignments,
 * options, pass-through programs (`env`, `exec`, `nohup`…), interpreters
 * (`node`, `python3`, `bun`, `deno`…), package runners (`npx`, `bun x`,
 * `pnpm dlx`, `uvx`, `pipx run`…) and `sh -c '…'` are looked through until
 * the first program that is neither a wrapper nor an agent.
 *
 * Pure: executes nothing, never throws; an unknown command is `null`.
 * Does not: read processes (the driver gathers them), or guess from
 * anything but the table.
 */
import { type AgentKind, type AgentSignature, DEFAULT_AGENT_SIGNATURES } from "../domain/agentKind.js";

/** What the classifier reads about one pane (a `PaneObservation` is one). */
export interface PaneCommandLines {
  /** tmux's `#{pane_current_command}`. */
  readonly command: string;
  /** tmux's `#{pane_start_command}`; empty or absent when the pane started the default shell. */
  readonly startCommand?: string | undefined;
  /** argv of the pane's processes, the pane's own process first. */
  readonly processes?: readonly (readonly string[])[] | undefined;
  /** The kind first-mate spawned the pane with: known by construction. */
  readonly declaredAgent?: AgentKind | undefined;
}

/** Programs that run the next word as the program (their options skipped). */
const PASS_THROUGH = new Set(["env", "exec", "nohup", "nice", "ionice", "time", "command", "stdbuf", "setsid", "sudo"]);
/** Interpreters: the first word that is not an option is the script (or, after `-m`, the module). */
const INTERPRETERS = /^(node|nodejs|bun|deno|tsx|ts-node|python|python[23](\.\d+)?|pypy3?|ruby)$/;
/** Package runners and their subcommands that run a package. */
const RUNNERS = new Set(["npx", "bunx", "pnpx", "uvx", "pipx", "npm", "pnpm", "yarn", "uv"]);
const RUNNER_SUBCOMMANDS = new Set(["x", "exec", "dlx", "run", "tool"]);
const SHELLS = /^(sh|bash|dash|zsh|ksh|fish|ash)$/;
/** Options whose value is the next word, for the wrappers above. */
const OPTIONS_WITH_VALUE = new Set(["-r", "--require", "--import", "--loader", "-u", "-n"]);
const PACKAGE_OPTIONS = new Set(["-p", "--package", "--from", "--spec"]);
/** A wrapper chain is short; this bounds the work on hostile input. */
const MAX_DEPTH = 4;
const MAX_WORDS = 64;

interface Lookup {
  readonly byName: ReadonlyMap<string, AgentKind>;
  readonly byPackage: ReadonlyMap<string, AgentKind>;
}

const lookups = new WeakMap<readonly AgentSignature[], Lookup>();

const lookupFor = (table: readonly AgentSignature[]): Lookup => {
  const known = lookups.get(table);
  if (known) return known;
  const byName = new Map<string, AgentKind>();
  const byPackage = new Map<string, AgentKind>();
  for (const entry of table) {
    for (const name of entry.names) if (!byName.has(name.toLowerCase())) byName.set(name.toLowerCase(), entry.kind);
    for (const name of entry.packages ?? [])
      if (!byPackage.has(name.toLowerCase())) byPackage.set(name.toLowerCase(), entry.kind);
  }
  const lookup = { byName, byPackage };
  lookups.set(table, lookup);
  return lookup;
};

/** `/usr/lib/node_modules/.bin/Gemini.js` → `gemini`. */
const programName = (word: string): string =>
  (word.slice(word.lastIndexOf("/") + 1).toLowerCase() || word.toLowerCase()).replace(/\.(exe|js|cjs|mjs|ts|py)$/, "");

/** `@openai/codex@0.169.0` → `@openai/codex`; `aider-chat==0.86` → `aider-chat`; `npm:x` → `x`. */
const packageName = (spec: string): string => {
  const bare = spec.toLowerCase().replace(/^npm:/, "");
  const at = bare.indexOf("@", 1);
  const cut = bare.search(/(==|>=|<=|~=|\[)/);
  const end = Math.min(at === -1 ? bare.length : at, cut === -1 ? bare.length : cut);
  return bare.slice(0, end);
};

/** The package a script path lies in: `…/node_modules/@scope/name/…` or `…/site-packages/module/…`. */
const packageOfPath = (path: string): string | null => {
  const lower = path.toLowerCase();
  const nodeModules = lower.lastIndexOf("/node_modules/");
  if (nodeModules !== -1) {
    const parts = lower.slice(nodeModules + "/node_modules/".length).split("/");
    const [first = "", second = ""] = parts;
    if (first === ".bin") return null;
    return first.startsWith("@") ? `${first}/${second}` : first;
  }
  const sitePackages = lower.search(/\/(site|dist)-packages\//);
  if (sitePackages !== -1) return lower.slice(sitePackages).split("/")[2] ?? null;
  return null;
};

const kindOfWord = (word: string, lookup: Lookup): AgentKind | null => {
  const spec = packageName(word);
  const byName = lookup.byName.get(programName(word)) ?? lookup.byPackage.get(spec) ?? lookup.byName.get(spec);
  if (byName !== undefined) return byName;
  // `npx @scope/gemini@latest` style: a scoped package's last segment is often the program.
  const lastSegment = spec.slice(spec.lastIndexOf("/") + 1);
  if (spec.startsWith("@") && lookup.byName.has(lastSegment)) return lookup.byName.get(lastSegment) ?? null;
  if (word.includes("/")) {
    const pkg = packageOfPath(word);
    if (pkg !== null) return lookup.byPackage.get(pkg) ?? lookup.byName.get(pkg) ?? null;
  }
  return null;
};

/**
 * Pure: split a shell command line into words (single and double quotes,
 * backslash escapes). Not a shell: no expansion, no operators; enough to
 * read what tmux prints as a pane's start command.
 */
export const splitShellWords = (line: string): string[] => {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  let quote: "'" | '"' | null = null;
  for (let index = 0; index < line.length && words.length < MAX_WORDS; index++) {
    const char = line[index]!;
    if (quote === "'") {
      if (char === "'") quote = null;
      else word += char;
    } else if (quote === '"') {
      if (char === '"') quote = null;
      else if (char === "\\" && index + 1 < line.length && '"\\$`'.includes(line[index + 1]!)) word += line[++index];
      else word += char;
    } else if (char === "'" || char === '"') {
      quote = char;
      inWord = true;
    } else if (char === "\\" && index + 1 < line.length) {
      word += line[++index];
      inWord = true;
    } else if (/\s/.test(char) || char === ";" || char === "&" || char === "|") {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
    } else {
      word += char;
      inWord = true;
    }
  }
  if (inWord && words.length < MAX_WORDS) words.push(word);
  return words;
};

const ENV_ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;

/** The agent one command line runs, looking through wrappers; null at the first other program. */
const classifyArgv = (argv: readonly string[], lookup: Lookup, depth: number): AgentKind | null => {
  let wrapper: "pass" | "interpreter" | "runner" | "shell" | null = null;
  const words = argv.length > MAX_WORDS ? argv.slice(0, MAX_WORDS) : argv;
  for (let index = 0; index < words.length; index++) {
    const word = words[index]!;
    if (word === "") continue;
    if (wrapper !== null && word.startsWith("-")) {
      if (wrapper === "shell" && /^-[a-z]*c[a-z]*$/.test(word)) {
        const script = words[index + 1];
        return script === undefined || depth >= MAX_DEPTH
          ? null
          : classifyArgv(splitShellWords(script), lookup, depth + 1);
      }
      if (wrapper === "interpreter" && word === "-m") {
        const module = words[index + 1];
        return module === undefined ? null : (lookup.byName.get(module.split(".")[0]!.toLowerCase()) ?? null);
      }
      if (wrapper === "interpreter" && (word === "-e" || word === "--eval" || word === "-c")) return null;
      if (PACKAGE_OPTIONS.has(word)) {
        const spec = words[index + 1];
        const kind = spec === undefined ? null : kindOfWord(spec, lookup);
        if (kind !== null) return kind;
        index++;
      } else if (OPTIONS_WITH_VALUE.has(word)) index++;
      continue;
    }
    if (ENV_ASSIGNMENT.test(word) && (wrapper === null || wrapper === "pass")) continue;
    const kind = kindOfWord(word, lookup);
    if (kind !== null) return kind;
    const name = programName(word);
    if (PASS_THROUGH.has(name)) wrapper = "pass";
    else if (INTERPRETERS.test(name)) wrapper = "interpreter";
    else if (RUNNERS.has(name)) wrapper = "runner";
    else if (SHELLS.test(name)) wrapper = "shell";
    else if ((wrapper === "runner" || wrapper === "interpreter") && RUNNER_SUBCOMMANDS.has(word)) continue;
    else return null;
  }
  return null;
};

/**
 * A fleet runs a handful of distinct command lines, and detection runs for
 * every pane on every tick: answers are remembered per table. Still pure —
 * the same input and table always give the same answer; the memo only
 * skips recomputing it, and is bounded.
 */
const MEMO_LIMIT = 4096;
const memo = new WeakMap<readonly AgentSignature[], Map<string, AgentKind | null>>();

/**
 * Whether `table` holds the default table's entries themselves, in its
 * order: what every parsed configuration without a table of its own holds
 * (a copy of the default list, made per parse). Such a table answers every
 * command line as the default table does.
 */
const holdsDefaultEntries = (table: readonly AgentSignature[]): boolean =>
  table.length === DEFAULT_AGENT_SIGNATURES.length &&
  table.every((entry, index) => entry === DEFAULT_AGENT_SIGNATURES[index]);

/**
 * The table whose remembered answers `table` shares: the default table for
 * a copy of its entries, else `table` itself. Each configuration parsed
 * (a fake world, a host) would otherwise start its detection afresh.
 */
const answersOf = <T>(
  tables: WeakMap<readonly AgentSignature[], T>,
  table: readonly AgentSignature[],
  fresh: () => T,
): T => {
  const shared = holdsDefaultEntries(table) ? DEFAULT_AGENT_SIGNATURES : table;
  let answers = tables.get(shared);
  if (answers === undefined) {
    answers = fresh();
    tables.set(shared, answers);
  }
  tables.set(table, answers);
  return answers;
};

/** How a classification is looked up: from what is remembered (`remember`), or computed (`computeNow`). */
type Recall = (table: readonly AgentSignature[], key: string, compute: () => AgentKind | null) => AgentKind | null;

const remember: Recall = (table, key, compute) => {
  const known = memo.get(table) ?? answersOf(memo, table, () => new Map<string, AgentKind | null>());
  const cached = known.get(key);
  if (cached !== undefined) return cached;
  const kind = compute();
  if (known.size >= MEMO_LIMIT) known.clear();
  known.set(key, kind);
  return kind;
};

/** Pure: the agent kind of one command line (a command name, or a whole line), or null. */
export const detectAgent = (
  command: string,
  table: readonly AgentSignature[] = DEFAULT_AGENT_SIGNATURES,
): AgentKind | null => detectWith(remember, command, table);

const detectWith = (recall: Recall, command: string, table: readonly AgentSignature[]): AgentKind | null =>
  recall(table, command, () => classifyArgv(splitShellWords(command), lookupFor(table), 0));

const computeNow: Recall = (_table, _key, compute) => compute();

const SEPARATOR = "\u0000";

/** The classifier itself, without the memo per pane object (see classifyAgent). */
const classifyPane = (pane: PaneCommandLines, table: readonly AgentSignature[], recall: Recall): AgentKind | null => {
  if (pane.declaredAgent !== undefined && pane.declaredAgent !== "") return pane.declaredAgent;
  const byCommand = detectWith(recall, pane.command, table);
  if (byCommand !== null) return byCommand;
  const processes = pane.processes ?? [];
  const start = pane.startCommand ?? "";
  if (processes.length === 0 && start === "") return null;
  let key = start;
  for (const argv of processes) key += SEPARATOR + SEPARATOR + argv.join(SEPARATOR);
  return recall(table, `${SEPARATOR}${key}`, () => {
    const lookup = lookupFor(table);
    for (const argv of processes) {
      const kind = classifyArgv(argv, lookup, 0);
      if (kind !== null) return kind;
    }
    return start === "" ? null : classifyArgv(splitShellWords(start), lookup, 0);
  });
};

/** Pure: what `classifyAgent` answers, computed afresh (nothing remembered is read or kept). */
export const classifyAgentAfresh = (
  pane: PaneCommandLines,
  table: readonly AgentSignature[] = DEFAULT_AGENT_SIGNATURES,
): AgentKind | null => classifyPane(pane, table, computeNow);

/**
 * The answer for each pane object, per table: the core's observations are
 * never changed once made, so a pane that is the same object as in the last
 * listing (the driver returns an unchanged pane as the same object) is
 * answered without joining its command lines into a key again. Held weakly:
 * a replaced observation is forgotten with it.
 */
const byPane = new WeakMap<readonly AgentSignature[], WeakMap<PaneCommandLines, AgentKind | null>>();

/**
 * Pure: the agent kind a pane runs, looking through wrappers, or null. The
 * pane is read as it is at the first call: an object passed again is taken
 * to be unchanged (observations never change once made).
 */
export const classifyAgent = (
  pane: PaneCommandLines,
  table: readonly AgentSignature[] = DEFAULT_AGENT_SIGNATURES,
): AgentKind | null => {
  const panes = byPane.get(table) ?? answersOf(byPane, table, () => new WeakMap<PaneCommandLines, AgentKind | null>());
  const known = panes.get(pane);
  if (known !== undefined) return known;
  const kind = classifyPane(pane, table, remember);
  panes.set(pane, kind);
  return kind;
};
