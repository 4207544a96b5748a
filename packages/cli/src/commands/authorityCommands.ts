/**
 * `conn`, `role` and `proposals`: the human's authority surface from the
 * command line (SPEC §8). Conn changes go to the running host (the conn
 * belongs to a live first mate); role extensions and proposals are decided
 * in the store directly — a ROLE-EXT approval joins the prompt at the first
 * mate's next start.
 */
import {
  CONN_GATED_ACTIONS,
  type ConnGatedAction,
  describeAction,
  describeError,
  ProposalStatusSchema,
  RoleExtensionStatusSchema,
} from "@first-mate/core";
import * as E from "fp-ts/lib/Either.js";
import { requestConnChange } from "../host/connRequests.js";
import type { HostConfig } from "../host/hostConfig.js";
import { withStore } from "./storeCommands.js";

type Out = (line: string) => void;
type Values = Record<string, string | boolean | undefined>;

const time = (ms: number) => new Date(ms).toISOString();

const parseScope = (values: Values): E.Either<string, { actions: ConnGatedAction[]; targets: string[] }> => {
  const actions = (typeof values.scope === "string" ? values.scope : "")
    .split(",")
    .map((part) => part.trim())
    .filter(Boolean);
  if (actions.length === 0)
    return E.left(`--scope is required: a comma-separated list of ${CONN_GATED_ACTIONS.join(", ")}`);
  const unknown = actions.filter((action) => !(CONN_GATED_ACTIONS as readonly string[]).includes(action));
  if (unknown.length > 0)
    return E.left(`--scope: unknown action ${unknown.join(", ")} (known: ${CONN_GATED_ACTIONS.join(", ")})`);
  const targets = (typeof values.targets === "string" ? values.targets : "*")
    .split(",")
    .map((part) => part.trim())
    .filter(Boolean);
  return E.right({ actions: actions as ConnGatedAction[], targets: targets.length > 0 ? targets : ["*"] });
};

export const connCommand = (config: HostConfig, positionals: string[], values: Values, out: Out) =>
  withStore(config, out, async (store) => {
    const [sub] = positionals;
    if (sub === "status" || sub === undefined) {
      const hydrated = await store.hydrate();
      if (E.isLeft(hydrated)) {
        out(`first-mate: ${describeError(hydrated.left)}`);
        return 1;
      }
      const conn = hydrated.right.conn ?? { holder: "human" as const, since: 0 };
      if (values.json === true) out(JSON.stringify(conn));
      else if (conn.holder === "human") out("conn         with the human");
      else
        out(
          `conn         the first mate (attempt ${conn.firstMateAttempt}) until ${time(conn.expiresAt)}: ${conn.scope.actions.join(", ")} on ${conn.scope.targets.join(", ")}`,
        );
      return 0;
    }
    if (sub === "take-back") {
      const result = await requestConnChange(store, { op: "take_back" }, 3_000);
      if (E.isRight(result)) {
        out(result.right.message);
        return result.right.ok ? 0 : 1;
      }
      // No running host: storing the human's conn directly is always safe.
      const saved = await store.saveConn({ holder: "human", since: Date.now() });
      if (E.isLeft(saved)) {
        out(`first-mate: ${describeError(saved.left)}`);
        return 1;
      }
      out("the conn is with the human (no running host; stored directly)");
      return 0;
    }
    if (sub === "handoff") {
      const scope = parseScope(values);
      if (E.isLeft(scope)) {
        out(`first-mate: ${scope.left}`);
        return 2;
      }
      const minutes = Number(values.minutes ?? "");
      if (!Number.isFinite(minutes) || minutes <= 0 || minutes > 7 * 24 * 60) {
        out("first-mate: --minutes N is required (0 < N ≤ 10080)");
        return 2;
      }
      const result = await requestConnChange(store, {
        op: "handoff",
        scope: scope.right,
        durationMs: Math.round(minutes * 60_000),
        ...(typeof values.escalation === "string" ? { escalation: values.escalation } : {}),
      });
      if (E.isLeft(result)) {
        out(`first-mate: ${result.left}`);
        return 1;
      }
      out(result.right.message);
      return result.right.ok ? 0 : 1;
    }
    out(`first-mate: unknown conn command ${sub}: use handoff, take-back or status`);
    return 2;
  });

const decider = (values: Values): string =>
  typeof values.by === "string" && values.by.length > 0 ? values.by : "human";

const parseId = (text: string | undefined): number | null => {
  const id = Number(text);
  return Number.isInteger(id) && id > 0 ? id : null;
};

export const roleCommand = (config: HostConfig, positionals: string[], values: Values, out: Out) =>
  withStore(config, out, async (store) => {
    const [sub, idText] = positionals;
    if (sub === "list" || sub === undefined) {
      const status = typeof values.status === "string" ? RoleExtensionStatusSchema.safeParse(values.status) : null;
      if (status && !status.success) {
        out(`first-mate: --status must be one of ${RoleExtensionStatusSchema.options.join(", ")}`);
        return 2;
      }
      const rows = await store.listRoleExtensions(status?.success ? { status: status.data } : {});
      if (E.isLeft(rows)) {
        out(`first-mate: ${describeError(rows.left)}`);
        return 1;
      }
      if (values.json === true) out(JSON.stringify(rows.right));
      else if (rows.right.length === 0) out("no role extensions");
      else for (const row of rows.right) out(`#${row.id} [${row.status}] ${row.text}`);
      return 0;
    }
    if (sub === "approve" || sub === "reject") {
      const id = parseId(idText);
      if (id === null) {
        out(`first-mate: role ${sub} needs an extension id`);
        return 2;
      }
      const decided = await store.decideRoleExtension(id, sub === "approve" ? "approved" : "rejected", {
        by: decider(values),
        at: Date.now(),
      });
      if (E.isLeft(decided)) {
        out(`first-mate: ${describeError(decided.left)}`);
        return 1;
      }
      out(
        `role extension #${id} ${decided.right.status}${sub === "approve" ? "; it joins the prompt at the first mate's next start" : ""}`,
      );
      return 0;
    }
    out(`first-mate: unknown role command ${sub}: use list, approve ID or reject ID`);
    return 2;
  });

export const proposalsCommand = (config: HostConfig, positionals: string[], values: Values, out: Out) =>
  withStore(config, out, async (store) => {
    const [sub, idText] = positionals;
    if (sub === "list" || sub === undefined) {
      const status = typeof values.status === "string" ? ProposalStatusSchema.safeParse(values.status) : null;
      if (status && !status.success) {
        out(`first-mate: --status must be one of ${ProposalStatusSchema.options.join(", ")}`);
        return 2;
      }
      const rows = await store.listProposals(status?.success ? { status: status.data } : {});
      if (E.isLeft(rows)) {
        out(`first-mate: ${describeError(rows.left)}`);
        return 1;
      }
      if (values.json === true) out(JSON.stringify(rows.right));
      else if (rows.right.length === 0) out("no proposals");
      else
        for (const row of rows.right)
          out(`#${row.id} [${row.status}] ${time(row.at)} ${describeAction(row.action)} — ${row.reason}`);
      return 0;
    }
    if (sub === "approve" || sub === "reject") {
      const id = parseId(idText);
      if (id === null) {
        out(`first-mate: proposals ${sub} needs a proposal id`);
        return 2;
      }
      const decided = await store.decideProposal(id, sub === "approve" ? "approved" : "rejected", {
        by: decider(values),
        at: Date.now(),
      });
      if (E.isLeft(decided)) {
        out(`first-mate: ${describeError(decided.left)}`);
        return 1;
      }
      out(`proposal #${id} ${decided.right.status} (recorded; running it is your call, or hand over the conn)`);
      return 0;
    }
    out(`first-mate: unknown proposals command ${sub}: use list, approve ID or reject ID`);
    return 2;
  });
