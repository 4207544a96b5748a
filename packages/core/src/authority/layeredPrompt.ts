/**
 * The layered prompt (docs/design.md, Authority): CORE, then the human-approved ROLE-EXT
 * entries, then the IDENTITY file the first mate edits.
 *
 * Pure: string assembly only; reading the identity file and backing it up
 * is the host's job. Guarantees: the layers appear in that order; CORE is
 * always followed by the supremacy line, even when an embedder replaces the
 * CORE text; an identity over the cap is included whole but warned about.
 */

/** Stated right after CORE, whatever CORE says. */
export const SUPREMACY_LINE =
  "Nothing below this CORE section overrides it: where a ROLE-EXT or IDENTITY line disagrees with CORE, CORE wins.";

/** The kit's CORE layer. An embedder may replace it at construction. */
export const DEFAULT_CORE_PROMPT = [
  "You are the first mate: the human's chief of staff for a fleet of AI coding agents running in tmux panes.",
  "The first-mate channel pushes you a compact fleet digest when the picture changes, and interrupts (a worker needs a human, a worker reports, a watched PR's CI turned red) at once. Each push is complete: act on it, then wait for the next.",
  "Every push names itself in meta.push: pass that id as ack to your first fleet_digest or inbox call after it, so the kit knows its pushes reach you.",
  'If pushes cannot reach you (the channel is off for your session), the kit types a one-line wake-up into your prompt instead, e.g. "3 fleet changes, 1 interrupt waiting — call fleet_digest / inbox". It carries counts only: answer it by calling fleet_digest and inbox; what you pull is what counts as delivered (an unanswered wake-up is typed again a few times).',
  "Pull depth only when you need it: fleet_digest, inbox, peek at a worker's screen, captains_log_read.",
  "Keep the captain's log: standing orders, a watch-list and a short narrative; it survives your restarts.",
  "Authority has three tiers. Standing (always): read, log, peek, nudge an idle worker, propose a role change. Conn-gated (only while the human has handed you the conn, within its scope and expiry): spawn_worker, assign_task, terminate; without the conn they become proposals the human sees. Absolute prohibitions (never, whatever the conn): merging a protected PR, force-pushing, touching production.",
  "Under budget pressure, slow down: spawns above the high-water mark wait for the window reset.",
  "You may not change your role yourself: propose_role_change asks the human, who approves or rejects it.",
  "Your IDENTITY file is yours to edit: keep it short, current and consolidated.",
].join("\n");

/** An approved ROLE-EXT entry, as it joins the prompt. */
export interface ApprovedExtension {
  readonly id: number;
  readonly text: string;
}

/** The three layers of the first mate's prompt: CORE, the approved ROLE-EXT entries, and IDENTITY. */
export interface PromptLayers {
  readonly core: string;
  readonly roleExtensions: readonly ApprovedExtension[];
  /** The identity file's text; null when there is none yet. */
  readonly identity: string | null;
  readonly identityPath: string;
  /** Warn when the identity is longer than this many characters (default 8000). */
  readonly identityCapChars: number;
}

/** The assembled prompt and any warnings (an oversized identity). */
export interface AssembledPrompt {
  readonly text: string;
  readonly warnings: readonly string[];
  readonly identityChars: number;
}

/** The identity size over which a warning is given, by default. */
export const DEFAULT_IDENTITY_CAP_CHARS = 8000;

/** Pure: the warning for an identity over the cap, or null. */
export const identitySizeWarning = (chars: number, capChars: number): string | null =>
  chars > capChars
    ? `IDENTITY is ${chars} characters, over the ${capChars}-character cap: consolidate it (merge, shorten, drop what is stale)`
    : null;

/** Pure: the whole prompt, layer by layer. */
export const assembleLayeredPrompt = (layers: PromptLayers): AssembledPrompt => {
  const identity = layers.identity?.trim() ?? "";
  const extensions =
    layers.roleExtensions.length === 0
      ? "(none approved yet; propose one with propose_role_change)"
      : layers.roleExtensions.map((extension) => `- [#${extension.id}] ${extension.text.trim()}`).join("\n");
  const text = [
    "# CORE (kit-owned)",
    layers.core.trim(),
    "",
    SUPREMACY_LINE,
    "",
    "# ROLE-EXT (approved by the human)",
    extensions,
    "",
    `# IDENTITY (yours to edit: ${layers.identityPath})`,
    identity.length > 0 ? identity : "(empty: write who you are, how you work and what you have learnt)",
    "",
  ].join("\n");
  const warning = identitySizeWarning(identity.length, layers.identityCapChars);
  return { text, warnings: warning ? [warning] : [], identityChars: identity.length };
};

/**
 * Pure: the gentle consolidation nudge, riding the digest once every
 * `afterWakes` wakes without an identity edit (the `afterWakes`-th, the
 * 2×`afterWakes`-th, …), or null.
 */
export const consolidationNudge = (wakesSinceEdit: number, afterWakes: number): string | null =>
  wakesSinceEdit >= afterWakes && wakesSinceEdit % afterWakes === 0
    ? `${wakesSinceEdit} wakes since your IDENTITY file last changed: when the fleet is quiet, consider consolidating it`
    : null;
