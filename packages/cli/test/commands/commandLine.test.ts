/**
 * The `first-mate` command line, run in process through `runCli` against
 * real SQLite files in a temp directory: help and version, rejected flags,
 * the `--json` contract of every command (each output parsed with its
 * schema from jsonContract.ts), read-only commands that leave no file
 * behind, `~` and `$VARIABLE` expansion, and unknown configuration keys.
 * Each test is named after the defect it pins.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PaneId } from "@first-mate/core";
import { openSqliteStore, type SqliteStore } from "@first-mate/store-sqlite";
import * as E from "fp-ts/lib/Either.js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { z } from "zod";
import {
  ConnChangeJson,
  ConnStatusJson,
  HooksJson,
  KillSwitchJson,
  LogEntryJson,
  LogJson,
  ProposalJson,
  ProposalListJson,
  ResetJson,
  RoleExtensionJson,
  RoleListJson,
  StatusJson,
} from "../../src/commands/jsonContract.js";
import { followLog } from "../../src/commands/logFollow.js";
import { CLI_VERSION, runCli } from "../../src/commands/program.js";
import { parseHostConfig } from "../../src/host/hostConfig.js";

interface Ran {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

let dir = "";
let cwd = "";
const savedEnv = { ...process.env };

const firstMate = async (...argv: string[]): Promise<Ran> => {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { out: (line) => out.push(line), err: (line) => err.push(line) });
  return { code, stdout: out.join("\n"), stderr: err.join("\n") };
};

/** Every file and directory under `root`, relative. */
const tree = (root: string): string[] =>
  existsSync(root)
    ? readdirSync(root, { recursive: true, encoding: "utf8" })
        .map((entry) => entry)
        .sort()
    : [];

const ok = <T>(result: E.Either<unknown, T>): T => {
  if (E.isLeft(result)) throw new Error(JSON.stringify(result.left));
  return result.right;
};

const TOKEN_HASH = "ab".repeat(32);

/** A store with a first mate, a start, log entries, an interrupt, a role extension and a proposal. */
const seedStore = async (path: string): Promise<void> => {
  const store: SqliteStore = ok(openSqliteStore({ path }));
  ok(
    await store.recordStart(
      {
        attempt: 1,
        startedAt: 1_000,
        endedAt: null,
        paneId: "%7" as PaneId,
        outcome: "running",
      },
      0,
    ),
  );
  ok(await store.setMarker({ paneId: "%7" as PaneId, tokenHash: TOKEN_HASH, spawnedAt: 1_000, attempt: 1 }, 0));
  ok(await store.appendLog({ kind: "standing_order", text: "never merge on Fridays", at: 2_000, author: "human" }));
  ok(await store.appendLog({ kind: "watch", text: "PR #42 waits for review", at: 3_000, author: "first_mate" }));
  ok(
    await store.enqueueOutbox(
      {
        seq: 1,
        source: "%9" as PaneId,
        kind: "need_human",
        message: "may I?",
        createdAt: 4_000,
      },
      0,
    ),
  );
  ok(await store.proposeRoleExtension({ text: "keep an eye on the release branch", at: 5_000 }));
  ok(
    await store.addProposal({
      action: { kind: "spawn_worker", target: { name: "relief-1" }, args: {} },
      reason: "no conn",
      at: 6_000,
    }),
  );
  await store.close();
};

/** Parse stdout as exactly one JSON document and check it against `schema`. */
const document = <S extends z.ZodType>(ran: Ran, schema: S): z.infer<S> => {
  expect(ran.code, ran.stderr).toBe(0);
  expect(ran.stdout.trim().split("\n"), "one document, on one line").toHaveLength(1);
  return schema.parse(JSON.parse(ran.stdout));
};

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "fm-cli-"));
  cwd = process.cwd();
  mkdirSync(join(dir, "work"));
  process.chdir(join(dir, "work"));
  process.env.HOME = join(dir, "home");
  process.env.XDG_STATE_HOME = join(dir, "state");
  process.env.XDG_CONFIG_HOME = join(dir, "config");
  process.env.XDG_RUNTIME_DIR = join(dir, "run");
});
afterEach(() => {
  process.chdir(cwd);
  for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
  Object.assign(process.env, savedEnv);
  rmSync(dir, { recursive: true, force: true });
});

describe("help and version", () => {
  it("--help and -h print the usage and exit 0 (they said 'unknown command --help' and exited 2)", async () => {
    for (const flag of ["--help", "-h"]) {
      const ran = await firstMate(flag);
      expect(ran.code).toBe(0);
      expect(ran.stdout).toContain("Usage: first-mate");
      for (const command of ["run", "status", "log", "disable", "enable", "reset", "demo", "conn", "role", "proposals"])
        expect(ran.stdout).toContain(command);
    }
  });

  it("--version and -V print the package version and exit 0, on every command (there was no --version)", async () => {
    for (const argv of [["--version"], ["-V"], ["status", "--version"], ["conn", "handoff", "-V"]]) {
      const ran = await firstMate(...argv);
      expect(ran.code).toBe(0);
      expect(ran.stdout.trim()).toBe(CLI_VERSION);
    }
    expect(CLI_VERSION).toMatch(/^\d+\.\d+\.\d+/);
  });

  it("<command> --help prints that command's own help with examples (every command printed the global usage; uninstall-hooks said install-hooks)", async () => {
    const uninstall = await firstMate("uninstall-hooks", "--help");
    expect(uninstall.code).toBe(0);
    expect(uninstall.stdout).toContain("Usage: first-mate uninstall-hooks");
    expect(uninstall.stdout.replaceAll("uninstall-hooks", "")).not.toContain("install-hooks");
    expect(uninstall.stdout).toContain("$ first-mate uninstall-hooks");
    for (const argv of [
      ["status"],
      ["log"],
      ["run"],
      ["demo"],
      ["conn", "handoff"],
      ["role", "approve"],
      ["proposals", "list"],
    ]) {
      const ran = await firstMate(...argv, "-h");
      expect(ran.code).toBe(0);
      expect(ran.stdout).toContain(`Usage: first-mate ${argv.join(" ")}`);
      expect(ran.stdout).toContain("Examples:");
    }
  });

  it("a bare first-mate prints the usage on stderr and exits 2", async () => {
    const ran = await firstMate();
    expect(ran.code).toBe(2);
    expect(ran.stderr).toContain("Usage: first-mate");
  });
});

describe("flags a command does not take", () => {
  it("are rejected with exit 2 (status --limit 5 --scope x exited 0)", async () => {
    for (const argv of [
      ["status", "--limit", "5", "--scope", "x"],
      ["status", "--agent", "claude"],
      ["enable", "--kind", "watch"],
      ["log", "--scope", "spawn_worker"],
      ["uninstall-hooks", "--command", "x"],
      ["demo", "--db", "x.db"],
    ]) {
      const ran = await firstMate(...argv);
      expect(ran.code, argv.join(" ")).toBe(2);
      expect(ran.stderr).toMatch(/unknown option/);
      expect(ran.stdout).toBe("");
    }
    expect(tree(dir).filter((entry) => entry.endsWith(".db"))).toEqual([]);
  });

  it("demo --agent foo exits 2 naming the agent (it silently used the stand-in)", async () => {
    const ran = await firstMate("demo", "--agent", "foo");
    expect(ran.code).toBe(2);
    expect(ran.stderr).toContain("'foo' is invalid");
    expect(ran.stderr).toContain("stand-in, claude");
  });

  it("an unknown command, an extra argument and a bad value exit 2", async () => {
    expect((await firstMate("launch-the-boats")).code).toBe(2);
    expect((await firstMate("status", "extra")).code).toBe(2);
    expect((await firstMate("log", "--limit", "0")).code).toBe(2);
    expect((await firstMate("log", "--kind", "gossip")).code).toBe(2);
    expect((await firstMate("role", "approve", "x")).code).toBe(2);
    expect((await firstMate("conn", "handoff", "--minutes", "5")).stderr).toContain("--scope");
  });
});

describe("configuration", () => {
  it("a misspelt configuration key is an error naming it (it was silently ignored)", async () => {
    const config = join(dir, "config.json");
    writeFileSync(config, JSON.stringify({ databsePath: join(dir, "x.db"), tmux: { socketNmae: "work" } }));
    const ran = await firstMate("status", "--config", config);
    expect(ran.code).toBe(2);
    expect(ran.stderr).toContain('"databsePath"');
    expect(ran.stderr).toContain('"socketNmae"');
    expect(ran.stderr).toContain(config);
  });

  it("an unknown agent kind is an error naming it", async () => {
    const config = join(dir, "config.json");
    writeFileSync(config, JSON.stringify({ agent: { kind: "robot" } }));
    const ran = await firstMate("status", "--config", config);
    expect(ran.code).toBe(2);
    expect(ran.stderr).toContain('unknown agent kind "robot"');
    expect(ran.stderr).toContain("claude, stand-in, command");
  });

  it("~ in a configuration path is the home directory (a directory literally named ~ was created)", async () => {
    const config = join(dir, "config.json");
    writeFileSync(config, JSON.stringify({ databasePath: "~/.config/first-mate/first-mate.db" }));
    expect((await firstMate("disable", "--config", config)).code).toBe(0);
    expect(existsSync(join(dir, "home", ".config", "first-mate", "first-mate.db"))).toBe(true);
    expect(existsSync(join(dir, "work", "~"))).toBe(false);
    expect(tree(join(dir, "work"))).toEqual([]);
  });

  // biome-ignore lint/suspicious/noTemplateCurlyInString: names the ${VARIABLE} form the configuration path accepts
  it("$VARIABLE and ${VARIABLE} in a configuration path are expanded; an unset one is an error naming it", async () => {
    process.env.FM_TEST_PLACE = join(dir, "place");
    const config = join(dir, "config.json");
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the configuration file holds ${…} literally; the CLI expands it
    writeFileSync(config, JSON.stringify({ databasePath: "${FM_TEST_PLACE}/a/$FM_TEST_PLACE_NAME.db" }));
    process.env.FM_TEST_PLACE_NAME = "fleet";
    expect((await firstMate("disable", "--config", config)).code).toBe(0);
    expect(existsSync(join(dir, "place", "a", "fleet.db"))).toBe(true);

    delete process.env.FM_TEST_PLACE_NAME;
    const ran = await firstMate("disable", "--config", config);
    expect(ran.code).toBe(2);
    expect(ran.stderr).toContain("$FM_TEST_PLACE_NAME is not set");
  });

  it("after the move to $XDG_STATE_HOME, status points at a database left at the old $XDG_CONFIG_HOME path", async () => {
    const legacy = join(dir, "config", "first-mate", "first-mate.db");
    await seedStore(legacy);
    const ran = await firstMate("status");
    expect(ran.code).toBe(0);
    expect(ran.stdout).toContain(`no first-mate state at ${join(dir, "state", "first-mate", "first-mate.db")}`);
    expect(ran.stdout).toContain(`--db ${legacy}`);
    expect(existsSync(join(dir, "state"))).toBe(false);
  });

  it("the database defaults to $XDG_STATE_HOME/first-mate, not $XDG_CONFIG_HOME (it is state)", async () => {
    expect((await firstMate("disable")).code).toBe(0);
    expect(existsSync(join(dir, "state", "first-mate", "first-mate.db"))).toBe(true);
    expect(existsSync(join(dir, "config"))).toBe(false);
  });
});

describe("read-only commands", () => {
  it("create no file and say there is no state (status --db new/x.db made the directory and an 86 KB file)", async () => {
    const db = join(dir, "new", "x.db");
    const runs = [
      ["status", "--db", db],
      ["log", "--db", db],
      ["conn", "status", "--db", db],
      ["role", "list", "--db", db],
      ["proposals", "list", "--db", db],
      ["status"],
      ["log", "--kind", "watch"],
    ];
    for (const argv of runs) {
      const ran = await firstMate(...argv);
      expect(ran.code, argv.join(" ")).toBe(0);
      expect(ran.stdout).toMatch(/no first-mate state at .*first-mate run/);
    }
    const decided = await firstMate("role", "approve", "1", "--db", db);
    expect(decided.code).toBe(1);
    expect(decided.stderr).toContain("no first-mate state");
    expect(tree(dir)).toEqual(["work"]);
  });

  it("print the empty document under --json: [] for lists", async () => {
    const db = join(dir, "new", "x.db");
    expect(document(await firstMate("log", "--db", db, "--json"), LogJson)).toEqual([]);
    expect(document(await firstMate("role", "list", "--db", db, "--json"), RoleListJson)).toEqual([]);
    expect(document(await firstMate("proposals", "list", "--db", db, "--json"), ProposalListJson)).toEqual([]);
    expect(document(await firstMate("status", "--db", db, "--json"), StatusJson).database).toEqual({
      path: db,
      exists: false,
    });
    expect(document(await firstMate("conn", "status", "--db", db, "--json"), ConnStatusJson).holder).toBe("human");
    expect(tree(dir)).toEqual(["work"]);
  });
});

describe("the --json contract", () => {
  it("status, log, conn, role and proposals print one document each, matching their schemas, with no hash", async () => {
    const db = join(dir, "fleet.db");
    await seedStore(db);
    const status = document(await firstMate("status", "--db", db, "--json"), StatusJson);
    expect(status).toMatchObject({ firstMate: { pane: "%7", attempt: 1 }, outboxDepth: 1, starts: 1 });
    const log = document(await firstMate("log", "--db", db, "--json"), LogJson);
    expect(log.map((entry) => entry.text)).toEqual(["PR #42 waits for review", "never merge on Fridays"]);
    // Several entries are still one document (it was one line per entry).
    expect(document(await firstMate("log", "--db", db, "--json", "--kind", "watch"), LogJson)).toHaveLength(1);
    document(await firstMate("conn", "status", "--db", db, "--json"), ConnStatusJson);
    expect(document(await firstMate("role", "list", "--db", db, "--json"), RoleListJson)).toHaveLength(1);
    expect(document(await firstMate("proposals", "list", "--db", db, "--json"), ProposalListJson)).toHaveLength(1);
    expect(
      document(await firstMate("role", "approve", "1", "--db", db, "--json", "--by", "ann"), RoleExtensionJson),
    ).toMatchObject({
      status: "approved",
      decidedBy: "ann",
    });
    expect(document(await firstMate("proposals", "reject", "1", "--db", db, "--json"), ProposalJson).status).toBe(
      "rejected",
    );
    const everything = (await Promise.all([firstMate("status", "--db", db, "--json"), firstMate("status", "--db", db)]))
      .map((ran) => ran.stdout)
      .join("\n");
    expect(everything).not.toContain(TOKEN_HASH);
    expect(everything.toLowerCase()).not.toContain("hash");
  });

  it("disable, enable and reset print one document under --json (they ignored --json)", async () => {
    const db = join(dir, "fleet.db");
    expect(document(await firstMate("disable", "--db", db, "--json"), KillSwitchJson)).toEqual({ killSwitch: true });
    expect(document(await firstMate("enable", "--db", db, "--json"), KillSwitchJson)).toEqual({ killSwitch: false });
    expect(document(await firstMate("reset", "--db", db, "--json"), ResetJson).gaveUp).toBe(false);
  });

  it("conn take-back prints one document; conn handoff with no host fails at once saying how to start one (it waited 5 s)", async () => {
    const db = join(dir, "fleet.db");
    await seedStore(db);
    expect(document(await firstMate("conn", "take-back", "--db", db, "--json"), ConnChangeJson)).toEqual({
      ok: true,
      appliedBy: "store",
      message: expect.stringContaining("human"),
    });
    const began = Date.now();
    const handoff = await firstMate("conn", "handoff", "--db", db, "--scope", "spawn_worker", "--minutes", "5");
    expect(Date.now() - began).toBeLessThan(1_000);
    expect(handoff.code).toBe(1);
    expect(handoff.stderr).toContain("no first-mate host is running");
    expect(handoff.stderr).toContain("first-mate run");
    const asJson = await firstMate(
      "conn",
      "handoff",
      "--db",
      db,
      "--scope",
      "spawn_worker",
      "--minutes",
      "5",
      "--json",
    );
    expect(asJson.code).toBe(1);
    expect(ConnChangeJson.parse(JSON.parse(asJson.stdout))).toMatchObject({ ok: false, appliedBy: null });
  });

  it("install-hooks and uninstall-hooks print one document under --json", async () => {
    const settings = join(dir, "settings.json");
    const dry = document(
      await firstMate("install-hooks", "--settings", settings, "--command", "true", "--dry-run", "--json"),
      HooksJson,
    );
    expect(dry).toMatchObject({ action: "install-hooks", changed: true, written: false });
    expect(dry.diff).toContain("first-mate-hook");
    expect(existsSync(settings)).toBe(false);
    expect(
      document(await firstMate("install-hooks", "--settings", settings, "--command", "true", "--json"), HooksJson),
    ).toMatchObject({ changed: true, written: true, diff: null });
    expect(document(await firstMate("uninstall-hooks", "--settings", settings, "--json"), HooksJson)).toMatchObject({
      action: "uninstall-hooks",
      changed: true,
      written: true,
      command: null,
    });
  });
});

describe("log --follow", () => {
  it("streams entries as JSON Lines, oldest first, each one once, until stopped; with no database it creates nothing", async () => {
    const db = join(dir, "fleet.db");
    await seedStore(db);
    const parsed = parseHostConfig({ databasePath: db });
    if (!parsed.ok) throw new Error(parsed.errors.join("\n"));
    const lines: string[] = [];
    let stop = () => {};
    const stopped = new Promise<void>((resolve) => {
      stop = resolve;
    });
    const following = followLog(
      parsed.config,
      { json: true, stop: stopped, pollMs: 50 },
      { out: (line) => lines.push(line), err: (line) => lines.push(`ERR ${line}`) },
    );
    const store = ok(openSqliteStore({ path: db }));
    // A wait for polls of a real file: generous, since a loaded machine slows it and only a failure waits it out.
    const deadline = Date.now() + 20_000;
    while (lines.length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    ok(await store.appendLog({ kind: "narrative", text: "a new entry", at: 9_000, author: "kit" }));
    while (lines.length < 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    await store.close();
    stop();
    expect(await following).toBe(0);
    const entries = lines.map((line) => LogEntryJson.parse(JSON.parse(line)));
    expect(entries.map((entry) => entry.text)).toEqual([
      "never merge on Fridays",
      "PR #42 waits for review",
      "a new entry",
    ]);

    const none = parseHostConfig({ databasePath: join(dir, "absent", "x.db") });
    if (!none.ok) throw new Error(none.errors.join("\n"));
    const quiet: string[] = [];
    expect(
      await followLog(
        none.config,
        { json: false, stop: new Promise(() => {}) },
        { out: (line) => quiet.push(line), err: () => {} },
      ),
    ).toBe(0);
    expect(quiet.join("\n")).toContain("no first-mate state");
    expect(existsSync(join(dir, "absent"))).toBe(false);
  });
});
