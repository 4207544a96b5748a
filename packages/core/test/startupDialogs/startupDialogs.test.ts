/**
 * Start-up dialogs, pinned by screens recorded from the real binaries
 * (screens/<dialog id or none>.<agent>-<version>[.variant].txt, recorded by
 * recordScreens.sh on an isolated tmux server with an isolated HOME). The
 * one screen that cannot be recorded offline — Claude Code's consent for
 * development channels, shown only when channels are available to the
 * account — is written from its exact recorded text and says so in its name
 * (`written-from-notes`).
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { CoreConfigInput } from "../../src/config.js";
import { screenShowsChannelIgnored } from "../../src/decisions/channelDelivery.js";
import { classifyStartupDialog, DEFAULT_STARTUP_DIALOGS } from "../../src/decisions/startupDialogs.js";
import { createFakeWorld } from "../../src/testing/fakeWorld.js";
import { cheapExpect } from "../cheapExpect.js";

const SCREENS = join(dirname(fileURLToPath(import.meta.url)), "screens");
const files = readdirSync(SCREENS).filter((name) => name.endsWith(".txt"));
const screen = (file: string) => readFileSync(join(SCREENS, file), "utf8");
const fixtureFor = (id: string) => files.find((file) => file.startsWith(`${id}.`))!;

describe("classifyStartupDialog on recorded screens", () => {
  it("has a screen for every dialog in the table", () => {
    for (const rule of DEFAULT_STARTUP_DIALOGS) expect(fixtureFor(rule.id)).toBeDefined();
  });

  for (const file of files) {
    const expected = file.split(".")[0]!;
    it(`${file} → ${expected}`, () => {
      expect(classifyStartupDialog(screen(file))?.id ?? "none").toBe(expected);
    });
  }

  it("the recorded screens with the channel notice shown (and only those) say the channel was ignored", () => {
    for (const file of files) {
      expect(screenShowsChannelIgnored(screen(file))).toBe(file === "none.claude-2.1.328.channel-ignored.txt");
    }
  });

  it("a dialog far up in the scrollback does not count; random text is no dialog", () => {
    const filler = Array.from({ length: 60 }, (_, index) => `output line ${index}`).join("\n");
    expect(classifyStartupDialog(`${screen(fixtureFor("claude_folder_trust"))}\n${filler}`)).toBeNull();
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), (text) => {
        cheapExpect(classifyStartupDialog(text)).toBeNull();
      }),
      { numRuns: 1000 },
    );
  });
});

/** A world whose first mate never attaches: it sits at a start-up screen. */
const worldAtDialog = (config: CoreConfigInput = {}) => {
  const world = createFakeWorld({ autoAttach: false, config });
  world.start();
  const pane = world.firstMatePaneId()!;
  const show = (file: string) => {
    world.inject({ type: "ScreenCaptured", now: world.now(), paneId: pane, text: screen(file) });
    world.drive();
  };
  return { world, pane, show };
};

const kitLog = (world: ReturnType<typeof createFakeWorld>) =>
  world.commands.flatMap((command) => (command.type === "store.appendLog" ? [command.entry.text] : []));

describe("a first mate waiting at a start-up dialog", () => {
  it("the consent for first-mate's own development channel is answered by default (Enter), and logged", () => {
    const { world, pane, show } = worldAtDialog();
    show(fixtureFor("claude_development_channels"));
    expect(world.tmux.keysSent).toEqual([{ paneId: pane, keys: ["Enter"] }]);
    expect(
      kitLog(world).some((text) => text.startsWith("answered Claude Code's consent for loading development channels")),
    ).toBe(true);
    expect(world.alerts).toEqual([]);
  });

  it("answering the consent can be turned off: then one alert names it", () => {
    const { world, show } = worldAtDialog({ answerStartupDialogs: [] });
    for (let i = 0; i < 3; i++) show(fixtureFor("claude_development_channels"));
    expect(world.tmux.keysSent).toEqual([]);
    expect(world.alerts.map((alert) => alert.code)).toEqual(["first_mate_dialog"]);
    expect(world.alerts[0]?.message).toMatch(/\[claude_development_channels\]/);
  });

  for (const id of [
    "claude_folder_trust",
    "claude_api_key",
    "claude_not_logged_in",
    "codex_sign_in",
    "gemini_folder_trust",
    "gemini_sign_in",
  ]) {
    it(`${id} is never answered by default: one alert names it, and it is neither attached nor a failed start`, () => {
      const { world, show } = worldAtDialog();
      for (let i = 0; i < 3; i++) {
        // (The fake world's own captures in between show a generic screen; the dialog is shown last.)
        world.advance(world.state().config.tickMs);
        show(fixtureFor(id));
      }
      expect(world.tmux.keysSent).toEqual([]);
      expect(world.alerts.map((alert) => alert.code)).toEqual(["first_mate_dialog"]);
      expect(world.alerts[0]?.message).toContain(`[${id}]`);
      const state = world.state();
      expect(state.startupDialog.waiting?.id).toBe(id);
      expect(state.firstMateAttached).toBe(false);
      expect(state.supervisor.ledger.filter((record) => record.outcome === "unstable")).toEqual([]);
    });
  }

  it("configuration may name dialogs to answer: folder trust and the API key get their recorded keys", () => {
    const { world, pane, show } = worldAtDialog({ answerStartupDialogs: ["claude_folder_trust", "claude_api_key"] });
    show(fixtureFor("claude_folder_trust"));
    show(fixtureFor("claude_api_key"));
    show("none.claude-2.1.328.after-api-key.txt");
    expect(world.tmux.keysSent).toEqual([
      { paneId: pane, keys: ["Down", "Enter"] },
      { paneId: pane, keys: ["Up", "Enter"] },
    ]);
    expect(world.alerts).toEqual([]);
    expect(world.state().startupDialog.waiting).toBeNull();
  });

  it("an answer that does not take is tried twice, then the human is told", () => {
    const { world, show } = worldAtDialog();
    for (let i = 0; i < 5; i++) show(fixtureFor("claude_development_channels"));
    expect(world.tmux.keysSent).toHaveLength(2);
    expect(world.alerts.map((alert) => alert.code)).toEqual(["first_mate_dialog"]);
    expect(world.alerts[0]?.message).toMatch(/did not take/);
  });

  it("a first mate that ends while waiting at a dialog is not a failed start", () => {
    const { world, pane, show } = worldAtDialog();
    show(fixtureFor("claude_folder_trust"));
    world.tmux.killPaneExternally(pane);
    world.drive();
    const record = world.state().supervisor.ledger.find((entry) => entry.paneId === pane);
    expect(record?.outcome).toBe("stable");
    expect(kitLog(world).some((text) => text.includes("waiting at a start-up dialog, not a failed start"))).toBe(true);
  });

  it("a first mate that has not attached is looked at every few seconds in its first minutes", () => {
    const { world, pane } = worldAtDialog();
    const config = world.state().config;
    const captures = () =>
      world.commands.filter((command) => command.type === "tmux.capture" && command.paneId === pane).length;
    const before = captures();
    world.advance(config.tickMs);
    expect(captures() - before).toBeGreaterThanOrEqual(
      Math.floor(config.tickMs / config.firstMateScreenIntervalMs) - 1,
    );
  });
});
