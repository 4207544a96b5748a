#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node --max-semi-space-size=1
/**
 * `first-mate`: run, status, log, disable, enable, reset, demo.
 */
import { connCommand, proposalsCommand, roleCommand } from "./commands/authorityCommands.js";
import { loadHostConfig, parseCli } from "./commands/cliOptions.js";
import { hooksCommand } from "./commands/hooksCommand.js";
import { runCommand } from "./commands/runCommand.js";
import { killSwitchCommand, logCommand, resetCommand, statusCommand } from "./commands/storeCommands.js";
import { runDemo } from "./demo/runDemo.js";

const USAGE = `usage: first-mate <command> [options]

commands:
  run       supervise the fleet (spawn and keep one first mate, heartbeat, interrupts)
  status    first mate, lease, ledger, outbox depth
  log       the captain's log (--kind standing_order|watch|narrative, --limit N)
  disable   set the kill switch: no first mate is spawned
  enable    clear the kill switch
  reset     clear crash-loop protection after a give-up
  demo      a one-minute demo on an isolated tmux server (--agent claude for real Claude Code)
  install-hooks     add first-mate's lifecycle hooks to Claude Code settings (--project DIR, --dry-run)
  uninstall-hooks   remove them again
  conn handoff --scope spawn_worker,assign_task,terminate [--targets 'helper-*,%3'] --minutes N [--escalation TEXT]
                    hand the conn to the running first mate; conn take-back; conn status
  role list|approve ID|reject ID      ROLE-EXT proposals from the first mate (--status, --by NAME)
  proposals list|approve ID|reject ID conn-gated actions the first mate could not run (--status, --by NAME)

options:
  --config FILE          JSON host configuration (see README)
  --db PATH              SQLite file (default $XDG_CONFIG_HOME/first-mate/first-mate.db)
  --socket PATH          channel socket (default $XDG_RUNTIME_DIR/first-mate/channel.sock)
  -L, --tmux-socket-name NAME   tmux server socket name
  -S, --tmux-socket-path PATH   tmux server socket path
  --agent claude|stand-in       the first mate's agent (default claude)
  --json                 machine-readable output
`;

const err = (line: string) => process.stderr.write(`${line}\n`);
/**
 * Command output. The commands report failures as lines starting with
 * "first-mate:"; those go to stderr so --json output stays machine-readable.
 */
const out = (line: string) => {
  if (line.startsWith("first-mate: ")) err(line);
  else process.stdout.write(`${line}\n`);
};

const main = async (argv: string[]): Promise<number> => {
  const [command, ...rest] = argv;
  if (command === "install-hooks" || command === "uninstall-hooks") return hooksCommand(command, rest, out, err);
  const parsed = parseCli(rest, {
    kind: { type: "string" },
    limit: { type: "string" },
    scope: { type: "string" },
    targets: { type: "string" },
    minutes: { type: "string" },
    escalation: { type: "string" },
    status: { type: "string" },
    by: { type: "string" },
  });
  if (!parsed.ok) {
    err(`first-mate: ${parsed.message}\n\n${USAGE}`);
    return 2;
  }
  if (!command || command === "help" || parsed.values.help) {
    out(USAGE);
    return command ? 0 : 2;
  }
  const json = parsed.values.json === true;
  if (command === "demo") {
    const agent = parsed.values.agent === "claude" ? "claude" : "stand-in";
    try {
      await runDemo({ agent, json });
      return 0;
    } catch (error) {
      err(`first-mate demo: ${error instanceof Error ? error.message : String(error)}`);
      return 1;
    }
  }
  const config = loadHostConfig(parsed.values);
  if (!config.ok) {
    err(`first-mate: ${config.message}`);
    return 2;
  }
  switch (command) {
    case "run":
      return runCommand(config.value, json, out);
    case "status":
      return statusCommand(config.value, json, out);
    case "log":
      return logCommand(
        config.value,
        {
          json,
          ...(typeof parsed.values.kind === "string" ? { kind: parsed.values.kind } : {}),
          ...(typeof parsed.values.limit === "string" ? { limit: parsed.values.limit } : {}),
        },
        out,
      );
    case "disable":
      return killSwitchCommand(config.value, true, out);
    case "enable":
      return killSwitchCommand(config.value, false, out);
    case "conn":
      return connCommand(config.value, parsed.positionals, parsed.values, out);
    case "role":
      return roleCommand(config.value, parsed.positionals, parsed.values, out);
    case "proposals":
      return proposalsCommand(config.value, parsed.positionals, parsed.values, out);
    case "reset":
      return resetCommand(config.value, out);
    default:
      err(`first-mate: unknown command ${command}\n\n${USAGE}`);
      return 2;
  }
};

process.exitCode = await main(process.argv.slice(2));
