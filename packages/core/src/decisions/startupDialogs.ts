/**
 * Start-up dialogs: an agent may stop at a chooser before it is ready
 * (folder trust, an API-key confirmation, the development-channel consent,
 * a sign-in screen). Until it is answered the first mate neither works nor
 * has crashed: it is *waiting at a dialog*.
 *
 * Pure: executes nothing. Rules:
 * - a table of screen rules recognises the dialogs; every pattern of a rule
 *   must match the bottom of the screen (scrollback never decides). The
 *   table is pinned by screens recorded from the real binaries
 *   (test/startupDialogs/screens);
 * - a dialog named in `answerStartupDialogs` is answered with its keys
 *   (logged), at most `MAX_ANSWERS` times per first mate; by default only
 *   Claude Code's consent for first-mate's own development channel is (the
 *   user chose that channel by running first-mate with Claude Code). Folder
 *   trust, API-key and sign-in dialogs are answered only when named;
 * - a dialog that is not answered (or whose answer did not take) raises one
 *   alert per first mate and dialog, naming it;
 * - a first mate that ends while waiting at a dialog is not a failed start.
 */
import type { Command } from "../commands.js";
import type { PaneId } from "../domain/paneId.js";

/** One start-up dialog: how to recognise it and how (if ever) to answer it. */
export interface StartupDialogRule {
  /** Stable id, used in configuration (`answerStartupDialogs`), alerts and status. */
  readonly id: string;
  /** Which agent draws it, and what it is, in words for the human. */
  readonly title: string;
  /** Every pattern must match the bottom of the screen. */
  readonly patterns: readonly RegExp[];
  /** The keys (tmux key names) that accept it, or null when only a human can answer it. */
  readonly answer: readonly string[] | null;
}

/** The dialogs of Claude Code 2.1, Codex 0.169 and Gemini CLI 0.61, as recorded. */
export const DEFAULT_STARTUP_DIALOGS: readonly StartupDialogRule[] = [
  {
    id: "claude_development_channels",
    title: "Claude Code's consent for loading development channels",
    patterns: [/WARNING: Loading development channels/, /I am using this for local development/],
    // Option 1 is preselected; Enter confirms.
    answer: ["Enter"],
  },
  {
    id: "claude_folder_trust",
    title: "Claude Code's folder-trust dialog",
    patterns: [
      /(Is this a project you created or one you trust\?|Do you trust the files in this folder\?)/,
      /Yes, I trust this folder/,
    ],
    // "No, exit" is preselected; the trusting answer is below it.
    answer: ["Down", "Enter"],
  },
  {
    id: "claude_api_key",
    title: "Claude Code's custom API key confirmation",
    patterns: [/Detected a custom API key in your environment/, /Do you want to use this API key\?/],
    // "No (recommended)" is preselected; "Yes" is above it.
    answer: ["Up", "Enter"],
  },
  {
    id: "claude_not_logged_in",
    title: "Claude Code is not logged in (run /login in its pane)",
    patterns: [/Not logged in · run \/login/],
    answer: null,
  },
  {
    id: "codex_sign_in",
    title: "Codex's sign-in menu",
    patterns: [/Choose how you want to use Codex\./, /Sign in with ChatGPT/],
    answer: null,
  },
  {
    id: "gemini_folder_trust",
    title: "Gemini CLI's folder-trust dialog",
    patterns: [/Do you trust the files in this folder\?/, /1\. Trust folder/],
    // "1. Trust folder" is preselected; Enter confirms.
    answer: ["Enter"],
  },
  {
    id: "gemini_sign_in",
    title: "Gemini CLI's sign-in choice",
    patterns: [/How would you like to authenticate for this project\?/, /Sign in with Google/],
    answer: null,
  },
];

/** The dialogs answered unless configured otherwise. */
export const DEFAULT_ANSWERED_DIALOGS: readonly string[] = ["claude_development_channels"];

/** How many lines from the bottom of the screen the rules see (a dialog fills the bottom of the pane). */
export const DIALOG_TAIL_LINES = 40;

/** Answers per first mate and dialog: a dialog still showing after these is the human's. */
export const MAX_ANSWERS = 2;

const tailOf = (screen: string): string => screen.split("\n").slice(-DIALOG_TAIL_LINES).join("\n");

/** Pure: what `classifyStartupDialog` answers, with the rules tried afresh (nothing remembered is read or kept). */
export const classifyStartupDialogAfresh = (
  screen: string,
  rules: readonly StartupDialogRule[] = DEFAULT_STARTUP_DIALOGS,
): StartupDialogRule | null => {
  const tail = tailOf(screen);
  return rules.find((rule) => rule.patterns.every((pattern) => pattern.test(tail))) ?? null;
};

/** Whether the shipped rules keep no state between matches (no global or sticky pattern): the same screen, the same answer. */
const DEFAULTS_STATELESS = DEFAULT_STARTUP_DIALOGS.every((rule) =>
  rule.patterns.every((pattern) => !pattern.global && !pattern.sticky),
);

/**
 * The shipped rules' answer for the screen read last: while it has not
 * attached, the first mate's screen is read at most observations and
 * mostly shows the same thing, and cutting its tail and trying every rule
 * on it was most of reading it.
 */
let lastRead: { readonly screen: string; readonly dialog: StartupDialogRule | null } | null = null;

/** Pure: the start-up dialog a captured screen shows, or null (the same answer as `classifyStartupDialogAfresh`). */
export const classifyStartupDialog = (
  screen: string,
  rules: readonly StartupDialogRule[] = DEFAULT_STARTUP_DIALOGS,
): StartupDialogRule | null => {
  if (rules !== DEFAULT_STARTUP_DIALOGS || !DEFAULTS_STATELESS) return classifyStartupDialogAfresh(screen, rules);
  if (lastRead !== null && lastRead.screen === screen) return lastRead.dialog;
  const dialog = classifyStartupDialogAfresh(screen, rules);
  lastRead = { screen, dialog };
  return dialog;
};

/** Per first mate: the dialog it waits at, what was answered, what was raised. */
export interface StartupDialogState {
  /** The dialog the first mate is waiting at, with when it was first seen. */
  readonly waiting: { readonly id: string; readonly since: number } | null;
  /** Answers sent, per dialog id. */
  readonly answered: Readonly<Record<string, number>>;
  /** Dialogs already raised to the human. */
  readonly alerted: readonly string[];
}

/** A first mate at its start: no dialog seen. */
export const INITIAL_STARTUP_DIALOG: StartupDialogState = { waiting: null, answered: {}, alerted: [] };

const kitLog = (now: number, text: string): Command => ({
  type: "store.appendLog",
  entry: { kind: "narrative", text: text.slice(0, 2000), at: now, author: "kit" },
});

/**
 * Pure: fold one captured screen of the first mate: note the dialog it
 * waits at (or that it passed one), answer it when configured, else raise
 * the one alert that names it.
 */
export const decideStartupDialog = (
  state: StartupDialogState,
  screen: string,
  context: {
    readonly now: number;
    readonly paneId: PaneId;
    readonly answer: readonly string[];
    readonly rules?: readonly StartupDialogRule[];
  },
): { readonly state: StartupDialogState; readonly commands: readonly Command[] } => {
  const dialog = classifyStartupDialog(screen, context.rules);
  if (dialog === null) {
    if (state.waiting === null) return { state, commands: [] };
    return {
      state: { ...state, waiting: null },
      commands: [kitLog(context.now, `first mate ${context.paneId} is past the start-up dialog ${state.waiting.id}`)],
    };
  }
  const waiting = state.waiting?.id === dialog.id ? state.waiting : { id: dialog.id, since: context.now };
  const answers = state.answered[dialog.id] ?? 0;
  if (dialog.answer !== null && context.answer.includes(dialog.id) && answers < MAX_ANSWERS) {
    return {
      state: { ...state, waiting, answered: { ...state.answered, [dialog.id]: answers + 1 } },
      commands: [
        { type: "tmux.sendKeys", paneId: context.paneId, keys: dialog.answer },
        kitLog(
          context.now,
          `answered ${dialog.title} for first mate ${context.paneId} (${dialog.answer.join(" ")}; configured in answerStartupDialogs)`,
        ),
      ],
    };
  }
  if (state.alerted.includes(dialog.id)) return { state: { ...state, waiting }, commands: [] };
  const how =
    dialog.answer === null
      ? "only a human can answer it"
      : answers > 0
        ? `answering it (${dialog.answer.join(" ")}) did not take`
        : `add "${dialog.id}" to answerStartupDialogs to have it answered`;
  const message = `first mate ${context.paneId} is waiting at ${dialog.title} [${dialog.id}]: answer it in its pane; ${how}. It counts neither as attached nor as a failed start.`;
  return {
    state: { ...state, waiting, alerted: [...state.alerted, dialog.id] },
    commands: [
      kitLog(context.now, message),
      { type: "alert.raise", level: "warning", code: "first_mate_dialog", message },
    ],
  };
};
