/**
 * Pane ids as tmux prints them: `%` followed by digits.
 *
 * Guarantees: a value typed `PaneId` has passed `/^%\d+$/`. The supervisor
 * never stamps a marker with anything else (docs/design.md, Supervisor; invariant 1).
 */
import { z } from "zod";

/** What a tmux pane id looks like: `%` and digits. */
export const PANE_ID_PATTERN = /^%\d+$/;

/** A tmux pane id (`%12`), branded so a plain string cannot pass for one. */
export const PaneIdSchema = z.string().regex(PANE_ID_PATTERN, "a pane id looks like %12").brand<"PaneId">();
/** A parsed {@link PaneIdSchema}. */
export type PaneId = z.infer<typeof PaneIdSchema>;

/** True when `value` is a well-formed tmux pane id. Pure. */
export const isPaneId = (value: unknown): value is PaneId => typeof value === "string" && PANE_ID_PATTERN.test(value);

/** Numeric order of pane ids (%2 before %10), for deterministic output. */
export const comparePaneIds = (a: string, b: string): number => {
  const na = Number(a.slice(1));
  const nb = Number(b.slice(1));
  return na === nb ? (a < b ? -1 : a > b ? 1 : 0) : na - nb;
};
