/**
 * The `first-mate` command line, on commander: every command, its own
 * options, its help with examples, and the exit codes.
 *
 * Guarantees: `-h`/`--help` and `-V`/`--version` work on every command and
 * exit 0; an option a command does not take, a missing or extra argument,
 * or a bad option value exits 2 with the reason on stderr; a bad
 * configuration exits 2 naming the field; a command that ran and failed
 * exits 1. Output goes through `io` only, so the whole command line runs
 * in process in tests. The `--json` shapes are jsonContract.ts.
 */
import { createRequire } from "node:module";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { runDemo } from "../demo/runDemo.js";
import type { HostConfig } from "../host/hostConfig.js";
import {
  connHandoffCommand,
  connStatusCommand,
  connTakeBackCommand,
  parseId,
  proposalsDecideCommand,
  proposalsListCommand,
  roleDecideCommand,
  roleListCommand,
} from "./authorityCommands.js";
import { type HostFlags, loadHostConfig } from "./cliOptions.js";
import { hooksCommand } from "./hooksCommand.js";
import { followLog } from "./logFollow.js";
import { runCommand } from "./runCommand.js";
import { type Io, killSwitchCommand, logCommand, resetCommand, statusCommand } from "./storeCommands.js";

/** The version in this package's package.json (the same path from src/ and dist/). */
export const CLI_VERSION: string = (createRequire(import.meta.url)("../../package.json") as { version: string })
  .version;

/** Exit code for a command line that is wrong (unknown option, bad value, bad configuration). */
export const EXIT_USAGE = 2;

const examples = (...lines: string[]) => `\nExamples:\n${lines.map((line) => `  $ ${line}`).join("\n")}\n`;

interface StoreFlags extends HostFlags {
  readonly json?: boolean;
}

const addStoreOptions = (command: Command): Command =>
  command
    .option("--config <file>", "JSON host configuration (see docs/operations.md)")
    .option("--db <path>", "SQLite database (default $XDG_STATE_HOME/first-mate/first-mate.db), or a postgres:// URL")
    .option("--json", 'print one JSON document (see docs/operations.md, "--json")');

const positiveInteger =
  (name: string, max: number) =>
  (text: string): number => {
    const value = Number(text);
    if (!Number.isInteger(value) || value < 1 || value > max)
      throw new InvalidArgumentError(`${name} must be a whole number from 1 to ${max}`);
    return value;
  };

const positiveNumber = (text: string): number => {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new InvalidArgumentError("must be a positive number");
  return value;
};

const idArgument = (text: string): number => {
  const id = parseId(text);
  if (id === null) throw new InvalidArgumentError("must be a positive whole number");
  return id;
};

/**
 * Build the program. Each action stores its exit code in `exit.code`.
 *
 * @param io - where output goes
 * @param exit - receives the exit code of the command that ran
 */
export const buildProgram = (io: Io, exit: { code: number }): Command => {
  const program = new Command("first-mate");
  const withConfig = async (flags: HostFlags, body: (config: HostConfig) => Promise<number>) => {
    const config = loadHostConfig(flags);
    if (!config.ok) {
      io.err(`first-mate: ${config.message}`);
      exit.code = EXIT_USAGE;
      return;
    }
    exit.code = await body(config.value);
  };
  const subcommand = (parent: Command, nameAndArgs: string, description: string): Command =>
    parent.command(nameAndArgs).description(description).version(CLI_VERSION, "-V, --version", "print the version");

  program
    .description("Keep a fleet of AI coding agents in tmux panes under watch, with one supervised first mate.")
    .version(CLI_VERSION, "-V, --version", "print the version")
    .helpOption("-h, --help", "show help")
    .helpCommand("help [command]", "show help for a command")
    .configureOutput({
      writeOut: (text) => io.out(text.replace(/\n$/, "")),
      writeErr: (text) => io.err(text.replace(/\n$/, "")),
    })
    .showHelpAfterError("(add --help for usage)")
    .exitOverride()
    .addHelpText(
      "after",
      `${examples("first-mate demo", "first-mate run -L work", "first-mate status --json", "first-mate log --kind standing_order --limit 10")}
Files: the database is $XDG_STATE_HOME/first-mate/first-mate.db (default ~/.local/state/…);
see docs/operations.md for every file first-mate reads or writes.`,
    );

  addStoreOptions(
    subcommand(program, "run", "supervise the fleet: keep one first mate, run the heartbeat, deliver interrupts"),
  )
    .option("--socket <path>", "channel socket (default $XDG_RUNTIME_DIR/first-mate/channel.sock)")
    .option("-L, --tmux-socket-name <name>", "tmux server socket name")
    .option("-S, --tmux-socket-path <path>", "tmux server socket path")
    .addOption(new Option("--agent <kind>", "the first mate's agent (default claude)").choices(["claude", "stand-in"]))
    .addHelpText(
      "after",
      `${examples("first-mate run", "first-mate run -L work --agent stand-in", "first-mate run --config ~/.config/first-mate/config.json --json")}
Runs until Ctrl-C (SIGINT) or SIGTERM. With --json it prints JSON Lines, one event per line.`,
    )
    .action((flags: StoreFlags) => withConfig(flags, (config) => runCommand(config, flags.json === true, io.out)));

  addStoreOptions(
    subcommand(program, "status", "show the first mate, lease, kill switch, restarts and outbox (read-only)"),
  )
    .addHelpText("after", examples("first-mate status", "first-mate status --db ./fleet.db --json"))
    .action((flags: StoreFlags) => withConfig(flags, (config) => statusCommand(config, flags.json === true, io)));

  addStoreOptions(subcommand(program, "log", "print the captain's log, newest first (read-only)"))
    .addOption(new Option("--kind <kind>", "only this kind").choices(["standing_order", "watch", "narrative"]))
    .option(
      "--limit <n>",
      "at most N entries, 1–200 (default 50; with --follow, 10 shown first)",
      positiveInteger("--limit", 200),
    )
    .option("-f, --follow", "keep printing new entries until Ctrl-C (with --json: JSON Lines)")
    .addHelpText(
      "after",
      examples("first-mate log", "first-mate log --kind watch --limit 5 --json", "first-mate log --follow --json"),
    )
    .action((flags: StoreFlags & { kind?: string; limit?: number; follow?: boolean }) =>
      withConfig(flags, (config) =>
        flags.follow
          ? followLog(
              config,
              {
                json: flags.json === true,
                stop: new Promise<void>((resolve) => {
                  process.once("SIGINT", () => resolve());
                  process.once("SIGTERM", () => resolve());
                }),
                ...(flags.kind !== undefined ? { kind: flags.kind } : {}),
                ...(flags.limit !== undefined ? { limit: flags.limit } : {}),
              },
              io,
            )
          : logCommand(
              config,
              {
                json: flags.json === true,
                ...(flags.kind !== undefined ? { kind: flags.kind } : {}),
                ...(flags.limit !== undefined ? { limit: flags.limit } : {}),
              },
              io,
            ),
      ),
    );

  addStoreOptions(subcommand(program, "disable", "set the kill switch: no first mate is spawned while it is set"))
    .addHelpText("after", examples("first-mate disable", "first-mate disable --json"))
    .action((flags: StoreFlags) =>
      withConfig(flags, (config) => killSwitchCommand(config, true, flags.json === true, io)),
    );

  addStoreOptions(subcommand(program, "enable", "clear the kill switch"))
    .addHelpText("after", examples("first-mate enable"))
    .action((flags: StoreFlags) =>
      withConfig(flags, (config) => killSwitchCommand(config, false, flags.json === true, io)),
    );

  addStoreOptions(subcommand(program, "reset", "clear crash-loop protection after the supervisor gave up"))
    .addHelpText("after", examples("first-mate reset"))
    .action((flags: StoreFlags) => withConfig(flags, (config) => resetCommand(config, flags.json === true, io)));

  subcommand(program, "demo", "a one-minute demo on an isolated tmux server; removes everything it started")
    .addOption(
      new Option("--agent <kind>", "the first mate's agent").choices(["stand-in", "claude"]).default("stand-in"),
    )
    .option("--json", "print only the closing summary, as one JSON document")
    .addHelpText("after", examples("first-mate demo", "first-mate demo --agent claude", "first-mate demo --json"))
    .action(async (flags: { agent: "stand-in" | "claude"; json?: boolean }) => {
      try {
        await runDemo({ agent: flags.agent, json: flags.json === true, out: io.out });
        exit.code = 0;
      } catch (error) {
        io.err(`first-mate demo: ${error instanceof Error ? error.message : String(error)}`);
        exit.code = 1;
      }
    });

  for (const action of ["install-hooks", "uninstall-hooks"] as const) {
    const command = subcommand(
      program,
      action,
      action === "install-hooks"
        ? "add first-mate's lifecycle hooks to a Claude Code settings file"
        : "remove first-mate's lifecycle hooks from a Claude Code settings file",
    )
      .option("--project <dir>", "DIR/.claude/settings.json instead of the user's ~/.claude/settings.json")
      .option("--settings <file>", "this settings file");
    if (action === "install-hooks")
      command
        .option("--socket <path>", "the channel socket the hooks report to (default: first-mate's default path)")
        .option(
          "--command <cmd>",
          "the hook command line (default: this installation's hook); installed inside a wrapper that always exits 0",
        );
    command
      .option("--dry-run", "print the change as a diff; write nothing")
      .option("--json", "print one JSON document describing the change")
      .addHelpText(
        "after",
        examples(`first-mate ${action}`, `first-mate ${action} --project . --dry-run`, `first-mate ${action} --json`),
      )
      .action(async (flags: Parameters<typeof hooksCommand>[1]) => {
        exit.code = await hooksCommand(action, flags, io.out, io.err);
      });
  }

  const conn = subcommand(
    program,
    "conn",
    "hand the running first mate the conn, take it back, or show it",
  ).addHelpText(
    "after",
    examples(
      "first-mate conn status",
      "first-mate conn handoff --scope spawn_worker,assign_task --targets 'relief-*,%3' --minutes 30",
      "first-mate conn take-back",
    ),
  );
  addStoreOptions(subcommand(conn, "status", "who holds the conn (read-only)"))
    .addHelpText("after", examples("first-mate conn status --json"))
    .action((flags: StoreFlags) => withConfig(flags, (config) => connStatusCommand(config, flags.json === true, io)));
  addStoreOptions(subcommand(conn, "handoff", "hand the conn to the running first mate (needs a running host)"))
    .requiredOption("--scope <actions>", "comma-separated: spawn_worker, assign_task, terminate")
    .option("--targets <patterns>", "comma-separated pane ids or name patterns (default *)")
    .requiredOption("--minutes <n>", "how long, up to 10080 (a week)", positiveNumber)
    .option("--escalation <text>", "when to wake the human even inside the scope")
    .addHelpText("after", examples("first-mate conn handoff --scope spawn_worker --targets 'relief-*' --minutes 15"))
    .action((flags: StoreFlags & { scope: string; targets?: string; minutes: number; escalation?: string }) =>
      withConfig(flags, (config) =>
        connHandoffCommand(
          config,
          {
            scope: flags.scope,
            minutes: flags.minutes,
            ...(flags.targets !== undefined ? { targets: flags.targets } : {}),
            ...(flags.escalation !== undefined ? { escalation: flags.escalation } : {}),
          },
          flags.json === true,
          io,
        ),
      ),
    );
  addStoreOptions(subcommand(conn, "take-back", "give the conn back to the human (works without a host too)"))
    .addHelpText("after", examples("first-mate conn take-back"))
    .action((flags: StoreFlags) => withConfig(flags, (config) => connTakeBackCommand(config, flags.json === true, io)));

  const decisions = (
    name: "role" | "proposals",
    description: string,
    statuses: readonly string[],
    list: typeof roleListCommand,
    decide: typeof roleDecideCommand,
  ) => {
    const group = subcommand(program, name, description).addHelpText(
      "after",
      examples(`first-mate ${name} list --status ${statuses[0]}`, `first-mate ${name} approve 3 --by ann`),
    );
    addStoreOptions(subcommand(group, "list", "list them (read-only)"))
      .addOption(new Option("--status <status>", "only this status").choices([...statuses]))
      .addHelpText("after", examples(`first-mate ${name} list --json`))
      .action((flags: StoreFlags & { status?: string }) =>
        withConfig(flags, (config) => list(config, flags.status, flags.json === true, io)),
      );
    for (const verb of ["approve", "reject"] as const)
      addStoreOptions(subcommand(group, `${verb} <id>`, `${verb} one by its id`))
        .option("--by <name>", "who decided (default human)")
        .addHelpText("after", examples(`first-mate ${name} ${verb} 3`))
        .action((idText: string, flags: StoreFlags & { by?: string }) =>
          withConfig(flags, (config) => decide(config, verb, idArgument(idText), flags.by, flags.json === true, io)),
        );
  };
  decisions(
    "role",
    "the first mate's ROLE-EXT proposals; an approval joins its prompt at its next start",
    ["proposed", "approved", "rejected"],
    roleListCommand,
    roleDecideCommand,
  );
  decisions(
    "proposals",
    "conn-gated actions the first mate could not run; a decision is recorded, not executed",
    ["pending", "approved", "rejected"],
    proposalsListCommand,
    proposalsDecideCommand,
  );
  return program;
};

/**
 * Run the `first-mate` command line in process.
 *
 * @param argv - the arguments after the program name, e.g. `["status", "--json"]`
 * @param io - where output goes
 * @returns the exit code: 0 done, 1 failed, 2 a wrong command line or configuration
 */
export const runCli = async (argv: readonly string[], io: Io): Promise<number> => {
  const exit = { code: 0 };
  const program = buildProgram(io, exit);
  try {
    await program.parseAsync([...argv], { from: "user" });
    return exit.code;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === "commander.helpDisplayed" || error.code === "commander.version") return 0;
      return EXIT_USAGE;
    }
    if (error instanceof InvalidArgumentError) {
      io.err(`first-mate: ${error.message}`);
      return EXIT_USAGE;
    }
    throw error;
  }
};
