/**
 * install-hooks / uninstall-hooks: the pure merge (properties over random
 * settings) and the command on real files in a temp directory (recorded
 * settings fixtures that already hold other hooks).
 */
import {
  chmod,
  copyFile,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  rm,
  stat,
  symlink,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { AGENT_HOOK_EVENTS } from "@first-mate/core";
import fc from "fast-check";
import * as E from "fp-ts/lib/Either.js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  hookCommandLine,
  installHooks,
  isFirstMateHookCommand,
  parseSettings,
  type Settings,
  uninstallHooks,
} from "../../src/commands/claudeHookSettings.js";
import { defaultHookCommand } from "../../src/commands/hooksCommand.js";
import { lineDiff } from "../../src/commands/lineDiff.js";
import { runCli } from "../../src/commands/program.js";

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), "fixtures");
const COMMAND = "/usr/bin/node /opt/first-mate/driver-mcp/dist/hook/bin.js # first-mate-hook";

const right = <T>(value: E.Either<unknown, T>): T => {
  if (E.isLeft(value)) throw new Error(`expected Right, got ${JSON.stringify(value.left)}`);
  return value.right;
};

/** Every hook command in a settings object, in order. */
const commandsIn = (settings: Settings): string[] => {
  const hooks = (settings.hooks ?? {}) as Record<string, { hooks?: { command?: string }[] }[]>;
  return Object.entries(hooks).flatMap(([event, groups]) =>
    groups.flatMap((group) => (group.hooks ?? []).map((entry) => `${event}:${entry.command}`)),
  );
};

const foreignEntry = fc.record({
  type: fc.constant("command"),
  command: fc.string({ minLength: 1, maxLength: 30 }).filter((text) => !isFirstMateHookCommand(text)),
  timeout: fc.option(fc.integer({ min: 1, max: 60 }), { nil: undefined }),
});
const group = fc.record(
  { matcher: fc.constantFrom("", "Bash", "Edit|Write", "*"), hooks: fc.array(foreignEntry, { maxLength: 3 }) },
  { requiredKeys: ["hooks"] },
);
const settingsArbitrary: fc.Arbitrary<Settings> = fc
  .record(
    {
      model: fc.constantFrom("opus", "sonnet"),
      permissions: fc.record({ allow: fc.array(fc.string({ maxLength: 12 }), { maxLength: 3 }) }),
      extra: fc.jsonValue({ maxDepth: 2 }),
      hooks: fc.dictionary(
        fc.constantFrom(...AGENT_HOOK_EVENTS, "PreCompact", "SubagentStop"),
        fc.array(group, { maxLength: 3 }),
      ),
    },
    { requiredKeys: [] },
  )
  .map((value) => JSON.parse(JSON.stringify(value)) as Settings);

describe("claudeHookSettings (pure)", () => {
  it("install keeps every other key and hook, adds one entry per event, and is idempotent", () => {
    fc.assert(
      fc.property(settingsArbitrary, (settings) => {
        const once = right(installHooks(settings, COMMAND));
        for (const [key, value] of Object.entries(settings))
          if (key !== "hooks") expect(once.settings[key]).toEqual(value);
        const ours = commandsIn(once.settings).filter(isFirstMateHookCommand);
        expect(ours.sort()).toEqual(AGENT_HOOK_EVENTS.map((event) => `${event}:${COMMAND}`).sort());
        expect(commandsIn(once.settings).filter((line) => !isFirstMateHookCommand(line))).toEqual(commandsIn(settings));
        const twice = right(installHooks(once.settings, COMMAND));
        expect(twice.changed).toBe(false);
        expect(twice.settings).toEqual(once.settings);
      }),
    );
  });

  it("uninstall after install gives back the settings it started from (minus an emptied hooks object)", () => {
    fc.assert(
      fc.property(settingsArbitrary, (settings) => {
        const removed = right(uninstallHooks(right(installHooks(settings, COMMAND)).settings));
        expect(removed.changed).toBe(true);
        const expected: Settings = { ...settings };
        const hooks = expected.hooks as Record<string, unknown[]> | undefined;
        if (hooks) {
          const kept = Object.fromEntries(
            Object.entries(hooks).filter(
              ([event, groups]) => groups.length > 0 || !(AGENT_HOOK_EVENTS as readonly string[]).includes(event),
            ),
          );
          if (Object.keys(kept).length > 0) expected.hooks = kept;
          else delete expected.hooks;
        }
        expect(removed.settings).toEqual(expected);
        expect(right(uninstallHooks(removed.settings)).changed).toBe(false);
      }),
    );
  });

  it("a new command (a moved installation) replaces the old entry instead of adding a second", () => {
    const first = right(installHooks({}, COMMAND)).settings;
    const moved = "/usr/bin/node /srv/fm/dist/hook/bin.js # first-mate-hook";
    const second = right(installHooks(first, moved));
    expect(second.changed).toBe(true);
    expect(commandsIn(second.settings)).toEqual(AGENT_HOOK_EVENTS.map((event) => `${event}:${moved}`));
  });

  it("refuses text that is not JSON, a non-object, and hooks of the wrong shape", () => {
    expect(E.isLeft(parseSettings("{ nope"))).toBe(true);
    expect(E.isLeft(parseSettings("[]"))).toBe(true);
    expect(right(parseSettings(""))).toEqual({});
    expect(E.isLeft(installHooks({ hooks: [] }, COMMAND))).toBe(true);
    expect(E.isLeft(installHooks({ hooks: { Stop: {} } }, COMMAND))).toBe(true);
    expect(E.isLeft(uninstallHooks({ hooks: "x" }))).toBe(true);
  });

  it("command lines are shell-quoted and always carry the marker", () => {
    expect(hookCommandLine(["/usr/bin/node", "/a b/bin.js"])).toBe("/usr/bin/node '/a b/bin.js' # first-mate-hook");
    expect(hookCommandLine(["first-mate-hook"])).toBe("first-mate-hook");
    expect(hookCommandLine(["it's"])).toBe("'it'\\''s' # first-mate-hook");
  });

  it("lineDiff marks additions and removals and is empty for equal texts", () => {
    expect(lineDiff("a\nb\n", "a\nb\n")).toBe("");
    expect(lineDiff("a\nb\nc", "a\nx\nc")).toBe("  a\n- b\n+ x\n  c");
  });
});

describe("first-mate install-hooks / uninstall-hooks on real files", () => {
  let dir: string;
  const output: string[] = [];
  const errors: string[] = [];
  const run = (action: "install-hooks" | "uninstall-hooks", ...argv: string[]) =>
    runCli([action, ...argv], { out: (line) => output.push(line), err: (line) => errors.push(line) });

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "fm-hooks-"));
    output.length = 0;
    errors.length = 0;
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("merges into a user settings file that already holds other hooks, keeps its mode, and is idempotent", async () => {
    const path = join(dir, "settings.json");
    await copyFile(join(FIXTURES, "user-settings-with-hooks.json"), path);
    await chmod(path, 0o640);
    const before = JSON.parse(await readFile(path, "utf8")) as Settings;

    expect(await run("install-hooks", "--settings", path, "--command", COMMAND)).toBe(0);
    const after = JSON.parse(await readFile(path, "utf8")) as Settings;
    expect((await stat(path)).mode & 0o777).toBe(0o640);
    for (const key of Object.keys(before)) if (key !== "hooks") expect(after[key]).toEqual(before[key]);
    expect(commandsIn(after).filter((line) => !isFirstMateHookCommand(line))).toEqual(commandsIn(before));
    expect(commandsIn(after).filter(isFirstMateHookCommand)).toHaveLength(AGENT_HOOK_EVENTS.length);

    const text = await readFile(path, "utf8");
    expect(await run("install-hooks", "--settings", path, "--command", COMMAND)).toBe(0);
    expect(await readFile(path, "utf8")).toBe(text);
    expect(output.at(-1)).toContain("already");
    expect((await readdir(dir)).sort()).toEqual(["settings.json"]);

    expect(await run("uninstall-hooks", "--settings", path)).toBe(0);
    expect(JSON.parse(await readFile(path, "utf8"))).toEqual(before);
    expect((await stat(path)).mode & 0o777).toBe(0o640);
  });

  it("--project DIR writes DIR/.claude/settings.json, creating it, and removes the emptied hooks on uninstall", async () => {
    const project = join(dir, "repo");
    await mkdir(join(project, ".claude"), { recursive: true });
    await copyFile(join(FIXTURES, "project-settings-no-hooks.json"), join(project, ".claude", "settings.json"));
    const before = JSON.parse(await readFile(join(project, ".claude", "settings.json"), "utf8")) as Settings;
    expect(await run("install-hooks", "--project", project, "--command", COMMAND)).toBe(0);
    const path = join(project, ".claude", "settings.json");
    expect(Object.keys((JSON.parse(await readFile(path, "utf8")) as Settings).hooks as object).sort()).toEqual(
      [...AGENT_HOOK_EVENTS].sort(),
    );
    expect(await run("uninstall-hooks", "--project", project)).toBe(0);
    expect(JSON.parse(await readFile(path, "utf8"))).toEqual(before);

    const fresh = join(dir, "fresh");
    expect(await run("install-hooks", "--project", fresh, "--command", COMMAND)).toBe(0);
    expect((await stat(join(fresh, ".claude", "settings.json"))).isFile()).toBe(true);
  });

  it("an empty hooks object gets our entries; uninstall leaves the other keys", async () => {
    const path = join(dir, "settings.json");
    await copyFile(join(FIXTURES, "settings-empty-hooks.json"), path);
    expect(await run("install-hooks", "--settings", path, "--command", COMMAND)).toBe(0);
    expect(await run("uninstall-hooks", "--settings", path)).toBe(0);
    expect(JSON.parse(await readFile(path, "utf8"))).toEqual({ cleanupPeriodDays: 14 });
  });

  it("refuses a file that is not valid JSON, or whose hooks are misshapen, and leaves it byte for byte", async () => {
    for (const fixture of ["settings-invalid.json", "settings-hooks-not-a-list.json"]) {
      const path = join(dir, fixture);
      await copyFile(join(FIXTURES, fixture), path);
      const original = await readFile(path);
      for (const action of ["install-hooks", "uninstall-hooks"] as const) {
        errors.length = 0;
        const extra = action === "install-hooks" ? ["--command", COMMAND] : [];
        expect(await run(action, "--settings", path, ...extra)).toBe(1);
        expect(errors.join("\n")).toMatch(/left untouched/);
        expect(await readFile(path)).toEqual(original);
      }
    }
    expect(errors.join("\n")).toContain("hooks.Stop");
  });

  it("--dry-run prints a diff and writes nothing", async () => {
    const path = join(dir, "settings.json");
    await copyFile(join(FIXTURES, "user-settings-with-hooks.json"), path);
    const original = await readFile(path, "utf8");
    expect(await run("install-hooks", "--settings", path, "--command", COMMAND, "--dry-run")).toBe(0);
    expect(await readFile(path, "utf8")).toBe(original);
    const diff = output.join("\n");
    expect(diff).toContain(`+ `);
    expect(diff).toContain("first-mate-hook");
    expect(diff.split("\n").filter((line) => line.startsWith("- ")).length).toBeLessThan(10);
  });

  it("uninstall removes only first-mate's entries, also from a group it shares with another hook", async () => {
    const path = join(dir, "settings.json");
    const shared: Settings = {
      hooks: {
        Stop: [
          {
            hooks: [
              { type: "command", command: "echo bye" },
              { type: "command", command: COMMAND },
            ],
          },
        ],
      },
    };
    await writeFile(path, JSON.stringify(shared));
    expect(await run("uninstall-hooks", "--settings", path)).toBe(0);
    expect(JSON.parse(await readFile(path, "utf8"))).toEqual({
      hooks: { Stop: [{ hooks: [{ type: "command", command: "echo bye" }] }] },
    });
  });

  it("the default command runs this installation's first-mate-hook, with --socket in its environment", async () => {
    const path = join(dir, "settings.json");
    expect(await run("install-hooks", "--settings", path, "--socket", "/run/fm dir/channel.sock")).toBe(0);
    const commands = commandsIn(JSON.parse(await readFile(path, "utf8")) as Settings);
    expect(commands).toHaveLength(AGENT_HOOK_EVENTS.length);
    for (const line of commands) {
      // Python 3 is on this machine (the build needs it), so the fast hook is chosen, inside the
      // wrapper that always exits 0; the socket path is quoted once for the inner shell, once for the outer.
      expect(line).toMatch(
        /^\w+:\/bin\/sh -c '\(eval "\$1"\); exit 0' first-mate-hook 'FIRST_MATE_SOCKET='\\''\/run\/fm dir\/channel\.sock'\\'' \S*python3 -I -S \S+\/hook\/first_mate_hook\.py'$/,
      );
      expect(isFirstMateHookCommand(line)).toBe(true);
    }
  });

  it("a symlinked settings file stays a symlink: the hooks are written through to its target", async () => {
    const dotfiles = join(dir, "dotfiles");
    await mkdir(dotfiles);
    const target = join(dotfiles, "claude-settings.json");
    await copyFile(join(FIXTURES, "user-settings-with-hooks.json"), target);
    await chmod(target, 0o600);
    const link = join(dir, "settings.json");
    await symlink(target, link);
    expect(await run("install-hooks", "--settings", link, "--command", COMMAND)).toBe(0);
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    expect(await readlink(link)).toBe(target);
    const written = JSON.parse(await readFile(target, "utf8")) as Settings;
    expect(commandsIn(written).filter(isFirstMateHookCommand)).toHaveLength(AGENT_HOOK_EVENTS.length);
    expect((await stat(target)).mode & 0o777).toBe(0o600);
    expect((await readdir(dotfiles)).sort()).toEqual(["claude-settings.json"]);
  });

  it("a new settings directory is created 0700 and a new settings file 0600", async () => {
    const project = join(dir, "fresh-project");
    await mkdir(project);
    expect(await run("install-hooks", "--project", project, "--command", COMMAND)).toBe(0);
    expect((await stat(join(project, ".claude"))).mode & 0o777).toBe(0o700);
    expect((await stat(join(project, ".claude", "settings.json"))).mode & 0o777).toBe(0o600);
  });

  it("without Python 3 the default command is the Node first-mate-hook", () => {
    const line = defaultHookCommand(undefined, null);
    expect(line).toMatch(/hook\/bin\.(ts|js)/);
    expect(line).not.toContain("python");
    expect(isFirstMateHookCommand(line)).toBe(true);
  });
});
