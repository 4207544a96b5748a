/**
 * authorize (docs/design.md, Authority): may this action run?
 *
 * Pure: executes nothing. Decided in this order, first match wins:
 * 1. a prohibition covers it → deny, whatever the conn and budget
 *    (invariant 9);
 * 2. it targets the first mate's own pane → deny (it never acts on itself);
 * 3. a nudge whose text a coding agent would run as a command (a line that
 *    starts with `!` shell, `/` slash command, `#` memory) → deny, unless the first mate
 *    holds an unexpired conn whose scope covers `assign_task` on that pane
 *    (typing a command into an agent is giving it work);
 * 4. standing tier → allow;
 * 5. conn-gated, and the human holds the conn → propose;
 * 6. the first mate's conn has expired → propose, and the conn goes back;
 * 7. outside the conn's scope → propose, and the conn goes back;
 * 8. a spawn at or above the budget's high-water mark → defer to the reset
 *    (or propose when no reset time is known); other conn-gated actions
 *    above the mark → propose, except `terminate`, which frees budget;
 * 9. otherwise → allow.
 *
 * `defer` is an allow that waits: the conn covered it, the budget delays it.
 */

import type { UsageSnapshot } from "../domain/observation.js";
import type { PaneId } from "../domain/paneId.js";
import { type AuthorityAction, isStandingAction } from "./authorityAction.js";
import { type BudgetPolicy, budgetPosture, stewardSpawn } from "./budgetStewardship.js";
import { type Conn, describeScope, type HandBackReason, scopeCovers } from "./conn.js";
import { findProhibition, normaliseForProhibitions, type Prohibition } from "./prohibition.js";

/**
 * `authorize`'s answer: allow, defer (budget; until when), propose (to the human, with the reason and any
 * hand-back), or deny (with the prohibition).
 */
export type AuthorityVerdict =
  | { readonly decision: "allow" }
  | { readonly decision: "defer"; readonly until: number; readonly reason: string }
  | { readonly decision: "propose"; readonly reason: string; readonly handBack: HandBackReason | null }
  | { readonly decision: "deny"; readonly reason: string; readonly prohibition: string | null };

/** What `authorize` judges an action against: the time, the conn, usage and budget policy, the prohibitions and the first mate's pane. */
export interface AuthorityContext {
  readonly now: number;
  readonly conn: Conn;
  readonly usage: UsageSnapshot;
  readonly budget: BudgetPolicy;
  readonly prohibitions: readonly Prohibition[];
  readonly firstMatePaneId: PaneId | null;
}

const ALLOW: AuthorityVerdict = { decision: "allow" };

/**
 * Pure: would a coding agent read this text as a command? Any line that
 * starts (after blanks and quotes) with `!` (shell), `/` (slash command) or
 * `#` (memory): a multi-line nudge may be submitted line by line.
 */
export const isAgentCommandText = (text: string): boolean =>
  text.split(/\r?\n|\r/).some((line) => /^[!/#]/.test(normaliseForProhibitions(line)));

/** A nudge's text as a command to the agent: allowed only under a conn that could assign it work. */
const commandNudgeVerdict = (action: AuthorityAction, context: AuthorityContext): AuthorityVerdict | null => {
  if (action.kind !== "nudge" || !isAgentCommandText(action.args.message ?? "")) return null;
  const { conn } = context;
  const covered =
    conn.holder === "first_mate" &&
    context.now < conn.expiresAt &&
    scopeCovers(conn.scope, { ...action, kind: "assign_task" });
  return covered
    ? ALLOW
    : {
        decision: "deny",
        reason:
          "a nudge starting with !, / or # is a command to the agent; it needs the conn with assign_task in scope for that pane",
        prohibition: null,
      };
};

/** Pure: allow, defer, propose or deny `action` (see the module header for the order). */
export const authorize = (action: AuthorityAction, context: AuthorityContext): AuthorityVerdict => {
  const prohibited = findProhibition(action, context.prohibitions);
  if (prohibited) {
    return { decision: "deny", reason: `prohibited: ${prohibited.description}`, prohibition: prohibited.id };
  }
  if (context.firstMatePaneId !== null && action.target.paneId === context.firstMatePaneId) {
    return { decision: "deny", reason: "the first mate never acts on its own pane", prohibition: null };
  }
  const commandNudge = commandNudgeVerdict(action, context);
  if (commandNudge !== null) return commandNudge;
  if (isStandingAction(action.kind)) return ALLOW;

  const { conn } = context;
  if (conn.holder === "human") {
    return { decision: "propose", reason: "the human holds the conn", handBack: null };
  }
  if (context.now >= conn.expiresAt) {
    return { decision: "propose", reason: "the conn has expired", handBack: "expired" };
  }
  if (!scopeCovers(conn.scope, action)) {
    return {
      decision: "propose",
      reason: `outside the conn's scope (${describeScope(conn.scope)})`,
      handBack: "out_of_scope",
    };
  }
  if (action.kind === "spawn_worker") {
    const stewardship = stewardSpawn(context.usage, context.now, context.budget);
    if (stewardship.kind === "defer") {
      return {
        decision: "defer",
        until: stewardship.until,
        reason: `budget above the ${context.budget.highWaterPercent}% high-water mark`,
      };
    }
    if (stewardship.kind === "propose") return { decision: "propose", reason: stewardship.reason, handBack: null };
    return ALLOW;
  }
  if (action.kind !== "terminate" && budgetPosture(context.usage, context.budget).level === "above_high_water") {
    return {
      decision: "propose",
      reason: `budget above the ${context.budget.highWaterPercent}% high-water mark`,
      handBack: null,
    };
  }
  return ALLOW;
};
