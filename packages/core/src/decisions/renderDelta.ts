/**
 * renderDelta: material changes → the text pushed to the first mate.
 *
 * Pure and deterministic: the same changes render the same bytes. Highest
 * priority first (blocked and waiting for permission, CI red, repeated
 * interrupts, gone, appeared, status and agent state, other fields, idle,
 * budget), names, status text and each pane's state with its source
 * ("waiting_permission via hook") included.
 * Capped at `capBytes` (UTF-8): whole items are dropped from the tail and
 * counted as "…and N more" — an item is never cut in half.
 * First sight renders the whole fleet.
 */

import type { FleetDigest, PaneDigest } from "../domain/digest.js";
import { formatInstant } from "../domain/instant.js";
import { utf8ByteLength } from "../domain/utf8ByteLength.js";
import type { Change } from "./diverge.js";

/** Interrupt repeats folded into the next digest ("%5 asked ×4"). */
export interface FoldedRepeat {
  readonly source: string;
  readonly kind: string;
  readonly message: string;
  readonly count: number;
}

/** How to render a delta: the byte cap, the folded repeats, and notes to add. */
export interface RenderOptions {
  readonly capBytes: number;
  readonly repeats?: readonly FoldedRepeat[];
  /** Extra lines appended at lowest priority (e.g. a budget posture note). */
  readonly notes?: readonly string[];
}

const STATUS_CLIP = 200;
const bytes = utf8ByteLength;

const clip = (text: string): string => {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > STATUS_CLIP ? `${flat.slice(0, STATUS_CLIP - 1)}…` : flat;
};
const quote = (text: string): string => `"${clip(text)}"`;
const who = (pane: PaneDigest): string => `${pane.handle} ${pane.name} (${pane.agent})`;
const prText = (pr: number | null): string => (pr === null ? "none" : `#${pr}`);

interface Item {
  readonly priority: number;
  readonly text: string;
  /** Index of the folded repeat or note this line shows, if any. */
  readonly repeat?: number;
  readonly note?: number;
}

const PRIORITY = {
  blocked: 0,
  ciRed: 1,
  repeats: 2,
  gone: 3,
  appeared: 4,
  status: 5,
  field: 6,
  idle: 7,
  budget: 8,
  note: 9,
} as const;

/** "waiting_permission via hook", "unknown": the state and the source that decided it. */
const stateText = (pane: PaneDigest): string => {
  const state = pane.state ?? "unknown";
  return pane.stateSource ? `${state} via ${pane.stateSource}` : state;
};

const describePane = (pane: PaneDigest): string => {
  const parts = [`${who(pane)}`];
  if (pane.blocked) parts.push("BLOCKED");
  if (pane.pr !== null) parts.push(`PR #${pane.pr}${pane.ci ? ` CI ${pane.ci}` : ""}`);
  parts.push(`idle ${pane.idleS}s`);
  if (pane.state !== undefined) parts.push(stateText(pane));
  return `${parts.join(" · ")} — ${quote(pane.status)}`;
};

const changeItem = (change: Change): Item | null => {
  switch (change.type) {
    case "first_sight":
      return null;
    case "blocked":
      return {
        priority: PRIORITY.blocked,
        text: `BLOCKED ${who(change.pane)} needs a human — ${quote(change.pane.status)}`,
      };
    case "ci":
      return change.to === "red"
        ? { priority: PRIORITY.ciRed, text: `CI RED ${who(change.pane)} PR ${prText(change.pane.pr)}` }
        : {
            priority: PRIORITY.field,
            text: `${who(change.pane)} CI ${change.from ?? "none"} → ${change.to ?? "none"}`,
          };
    case "gone":
      return { priority: PRIORITY.gone, text: `GONE ${who(change.pane)}` };
    case "appeared":
      return { priority: PRIORITY.appeared, text: `NEW ${describePane(change.pane)}` };
    case "status":
      return { priority: PRIORITY.status, text: `${who(change.pane)} ${quote(change.from)} → ${quote(change.to)}` };
    case "unblocked":
      return { priority: PRIORITY.field, text: `UNBLOCKED ${who(change.pane)}` };
    case "pr":
      return { priority: PRIORITY.field, text: `${who(change.pane)} PR ${prText(change.from)} → ${prText(change.to)}` };
    case "state":
      // Waiting for permission ranks with blocked: a human is needed.
      return change.to === "waiting_permission"
        ? {
            priority: PRIORITY.blocked,
            text: `PERMISSION ${who(change.pane)} ${change.from} → ${stateText(change.pane)}`,
          }
        : { priority: PRIORITY.status, text: `STATE ${who(change.pane)} ${change.from} → ${stateText(change.pane)}` };
    case "idle_entered":
      return { priority: PRIORITY.idle, text: `IDLE ${who(change.pane)} for ${change.pane.idleS}s` };
    case "idle_left":
      return { priority: PRIORITY.idle, text: `ACTIVE ${who(change.pane)}` };
    case "silent_busy":
      return {
        priority: PRIORITY.status,
        text: `SILENT ${who(change.pane)} busy but silent for ${change.pane.idleS}s`,
      };
    case "budget":
      return { priority: PRIORITY.budget, text: `BUDGET ${change.from}% → ${change.to}%` };
  }
};

const budgetText = (digest: FleetDigest): string => {
  const { percent, resetsAt } = digest.budget;
  if (percent === null) return "budget unknown";
  return resetsAt === null ? `budget ${percent}%` : `budget ${percent}% (resets ${formatInstant(resetsAt)})`;
};

const header = (digest: FleetDigest, firstSight: boolean, changeCount: number): string => {
  const blocked = digest.panes.filter((pane) => pane.blocked).length;
  const fleet = `${digest.panes.length} panes, ${blocked} blocked, ${budgetText(digest)}`;
  return firstSight ? `[fleet — full picture] ${fleet}` : `[fleet — ${changeCount} changes] ${fleet}`;
};

const fleetItems = (digest: FleetDigest): Item[] =>
  digest.panes.map((pane) => ({
    priority: pane.blocked ? PRIORITY.blocked : PRIORITY.appeared,
    text: describePane(pane),
  }));

/** A rendered push and which of the folded repeats and notes made it under the cap. */
export interface RenderedDelta {
  readonly text: string;
  /** Indices into `options.repeats` of the repeats the text carries. */
  readonly repeatsShown: readonly number[];
  /** Indices into `options.notes` of the notes the text carries. */
  readonly notesShown: readonly number[];
}

/** Pure: the push text for `changes` against the current `digest`. */
export const renderDelta = (changes: readonly Change[], digest: FleetDigest, options: RenderOptions): string =>
  renderDeltaShown(changes, digest, options).text;

/**
 * Pure: like `renderDelta`, and says which folded repeats and notes the
 * text carries, so that what the cap cut is never settled as reported.
 */
export const renderDeltaShown = (
  changes: readonly Change[],
  digest: FleetDigest,
  options: RenderOptions,
): RenderedDelta => {
  const firstSight = changes.some((change) => change.type === "first_sight");
  const items: Item[] = firstSight ? fleetItems(digest) : [];
  for (const change of changes) {
    const item = changeItem(change);
    if (item) items.push(item);
  }
  (options.repeats ?? []).forEach((repeat, index) => {
    items.push({
      priority: PRIORITY.repeats,
      text: `REPEATED ${repeat.source} ${repeat.kind} ×${repeat.count} — ${quote(repeat.message)}`,
      repeat: index,
    });
  });
  (options.notes ?? []).forEach((note, index) => {
    items.push({ priority: PRIORITY.note, text: clip(note), note: index });
  });
  // The sort is stable: pane order is kept within a priority.
  const ordered = items.sort((a, b) => a.priority - b.priority);

  const head = header(digest, firstSight, items.length);
  const lines = [head];
  const repeatsShown: number[] = [];
  const notesShown: number[] = [];
  let used = bytes(head);
  for (let i = 0; i < ordered.length; i++) {
    const item = ordered[i]!;
    const line = `- ${item.text}`;
    const remaining = ordered.length - i - 1;
    const reserve = remaining > 0 ? bytes(`\n…and ${remaining} more`) : 0;
    const lineBytes = bytes(line);
    if (used + 1 + lineBytes + reserve > options.capBytes) {
      lines.push(`…and ${ordered.length - i} more`);
      return { text: lines.join("\n"), repeatsShown, notesShown };
    }
    lines.push(line);
    if (item.repeat !== undefined) repeatsShown.push(item.repeat);
    if (item.note !== undefined) notesShown.push(item.note);
    used += 1 + lineBytes;
  }
  return { text: lines.join("\n"), repeatsShown, notesShown };
};
