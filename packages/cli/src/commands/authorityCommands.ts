/**
 * `conn`, `role` and `proposals`: the human's authority surface from the
 * command line (docs/design.md, "Authority"). Conn changes go to the
 * running host (the conn belongs to a live first mate); role extensions
 * and proposals are decided in the store directly — a ROLE-EXT approval
 * joins the prompt at the first mate's next start.
 *
 * Guarantees: `conn handoff` with no running host fails at once, saying
 * how to start one (a host is running when the supervisor lease has a live
 * owner); listings and decisions never create a database.
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
import type { HostStore } from "../host/hostStore.js";
import type { ConnChangeJson, ConnJson, ProposalJson, RoleExtensionJson } from "./jsonContract.js";
import { type Io, noStateMessage, withExistingStore } from "./storeCommands.js";

const time = (ms: number) => new Date(ms).toISOString();

/** The options of `conn handoff`. */
export interface HandoffOptions {
  readonly scope: string;
  readonly targets?: string;
  readonly minutes: number;
  readonly escalation?: string;
}

const parseScope = (
  scopeText: string,
  targetsText: string | undefined,
): E.Either<string, { actions: ConnGatedAction[]; targets: string[] }> => {
  const actions = scopeText
    .split(",")
    .map((part) => part.trim())
    .filter(Boolean);
  if (actions.length === 0)
    return E.left(`--scope is required: a comma-separated list of ${CONN_GATED_ACTIONS.join(", ")}`);
  const unknown = actions.filter((action) => !(CONN_GATED_ACTIONS as readonly string[]).includes(action));
  if (unknown.length > 0)
    return E.left(`--scope: unknown action ${unknown.join(", ")} (known: ${CONN_GATED_ACTIONS.join(", ")})`);
  const targets = (targetsText ?? "*")
    .split(",")
    .map((part) => part.trim())
    .filter(Boolean);
  return E.right({ actions: actions as ConnGatedAction[], targets: targets.length > 0 ? targets : ["*"] });
};

/** The message for a command that needs a host when none holds the lease. */
export const NO_HOST_MESSAGE =
  "no first-mate host is running on this database: start one with `first-mate run` (with the same --db or --config), then try again";

/** Whether a host holds the supervisor lease of `store` now. */
const hostIsRunning = async (store: HostStore): Promise<boolean> => {
  const lease = await store.readLease();
  return E.isRight(lease) && lease.right.owner !== null && lease.right.expiresAt > Date.now();
};

const toConnJson = (conn: ConnJson): ConnJson => conn;

const printChange = (io: Io, json: boolean, change: ConnChangeJson): number => {
  if (json) io.out(JSON.stringify(change));
  else if (change.ok) io.out(change.message);
  else io.err(`first-mate: ${change.message}`);
  return change.ok ? 0 : 1;
};

/** `conn status`. */
export const connStatusCommand = (config: HostConfig, json: boolean, io: Io) =>
  withExistingStore(
    config,
    io,
    async (store) => {
      const hydrated = await store.hydrate();
      if (E.isLeft(hydrated)) {
        io.err(`first-mate: ${describeError(hydrated.left)}`);
        return 1;
      }
      const conn = toConnJson(hydrated.right.conn ?? { holder: "human", since: 0 });
      if (json) io.out(JSON.stringify(conn));
      else if (conn.holder === "human") io.out("conn         with the human");
      else
        io.out(
          `conn         the first mate (attempt ${conn.firstMateAttempt}) until ${time(conn.expiresAt)}: ${conn.scope.actions.join(", ")} on ${conn.scope.targets.join(", ")}`,
        );
      return 0;
    },
    (path) => {
      const conn: ConnJson = { holder: "human", since: 0 };
      io.out(json ? JSON.stringify(conn) : `conn         with the human (${noStateMessage(path)})`);
      return 0;
    },
  );

/** `conn take-back`: through the running host, else stored directly (always safe). */
export const connTakeBackCommand = (config: HostConfig, json: boolean, io: Io) =>
  withExistingStore(
    config,
    io,
    async (store) => {
      if (await hostIsRunning(store)) {
        const result = await requestConnChange(store, { op: "take_back" }, 3_000);
        if (E.isRight(result))
          return printChange(io, json, {
            ok: result.right.ok,
            appliedBy: result.right.ok ? "host" : null,
            message: result.right.message,
          });
      }
      const saved = await store.saveConn({ holder: "human", since: Date.now() });
      if (E.isLeft(saved)) {
        io.err(`first-mate: ${describeError(saved.left)}`);
        return 1;
      }
      return printChange(io, json, {
        ok: true,
        appliedBy: "store",
        message: "the conn is with the human (no running host; stored directly)",
      });
    },
    () =>
      printChange(io, json, {
        ok: true,
        appliedBy: null,
        message: "the conn is with the human (no database yet, so nothing to change)",
      }),
  );

/** `conn handoff`: asks the running host; fails at once when there is none. */
export const connHandoffCommand = (config: HostConfig, options: HandoffOptions, json: boolean, io: Io) => {
  const scope = parseScope(options.scope, options.targets);
  if (E.isLeft(scope)) {
    io.err(`first-mate: ${scope.left}`);
    return Promise.resolve(2);
  }
  if (!Number.isFinite(options.minutes) || options.minutes <= 0 || options.minutes > 7 * 24 * 60) {
    io.err("first-mate: --minutes N is required (0 < N ≤ 10080)");
    return Promise.resolve(2);
  }
  const noHost = () => printChange(io, json, { ok: false, appliedBy: null, message: NO_HOST_MESSAGE });
  return withExistingStore(
    config,
    io,
    async (store) => {
      if (!(await hostIsRunning(store))) return noHost();
      const result = await requestConnChange(store, {
        op: "handoff",
        scope: scope.right,
        durationMs: Math.round(options.minutes * 60_000),
        ...(options.escalation !== undefined ? { escalation: options.escalation } : {}),
      });
      if (E.isLeft(result)) return printChange(io, json, { ok: false, appliedBy: null, message: result.left });
      return printChange(io, json, {
        ok: result.right.ok,
        appliedBy: result.right.ok ? "host" : null,
        message: result.right.message,
      });
    },
    noHost,
  );
};

const decider = (by: string | undefined): string => (by !== undefined && by.length > 0 ? by : "human");

/** Parse a positive integer id, e.g. of a proposal. */
export const parseId = (text: string): number | null => {
  const id = Number(text);
  return Number.isInteger(id) && id > 0 ? id : null;
};

const noSuchDatabase = (io: Io, what: string) => (path: string) => {
  io.err(`first-mate: no ${what} to decide: ${noStateMessage(path)}`);
  return 1;
};

/** `role list`. */
export const roleListCommand = (config: HostConfig, status: string | undefined, json: boolean, io: Io) => {
  const parsed = status !== undefined ? RoleExtensionStatusSchema.safeParse(status) : null;
  if (parsed && !parsed.success) {
    io.err(`first-mate: --status must be one of ${RoleExtensionStatusSchema.options.join(", ")}`);
    return Promise.resolve(2);
  }
  return withExistingStore(
    config,
    io,
    async (store) => {
      const rows = await store.listRoleExtensions(parsed?.success ? { status: parsed.data } : {});
      if (E.isLeft(rows)) {
        io.err(`first-mate: ${describeError(rows.left)}`);
        return 1;
      }
      if (json) io.out(JSON.stringify(rows.right.map(toRoleExtensionJson)));
      else if (rows.right.length === 0) io.out("no role extensions");
      else for (const row of rows.right) io.out(`#${row.id} [${row.status}] ${row.text}`);
      return 0;
    },
    (path) => {
      io.out(json ? "[]" : noStateMessage(path));
      return 0;
    },
  );
};

const toRoleExtensionJson = (row: RoleExtensionJson): RoleExtensionJson => ({
  id: row.id,
  text: row.text,
  status: row.status,
  proposedAt: row.proposedAt,
  decidedAt: row.decidedAt,
  decidedBy: row.decidedBy,
});

/** `role approve ID` / `role reject ID`. */
export const roleDecideCommand = (
  config: HostConfig,
  decision: "approve" | "reject",
  id: number,
  by: string | undefined,
  json: boolean,
  io: Io,
) =>
  withExistingStore(
    config,
    io,
    async (store) => {
      const decided = await store.decideRoleExtension(id, decision === "approve" ? "approved" : "rejected", {
        by: decider(by),
        at: Date.now(),
      });
      if (E.isLeft(decided)) {
        io.err(`first-mate: ${describeError(decided.left)}`);
        return 1;
      }
      if (json) io.out(JSON.stringify(toRoleExtensionJson(decided.right)));
      else
        io.out(
          `role extension #${id} ${decided.right.status}${decision === "approve" ? "; it joins the prompt at the first mate's next start" : ""}`,
        );
      return 0;
    },
    noSuchDatabase(io, "role extension"),
  );

const toProposalJson = (row: ProposalJson): ProposalJson => ({
  id: row.id,
  action: row.action,
  reason: row.reason,
  at: row.at,
  status: row.status,
  decidedAt: row.decidedAt,
  decidedBy: row.decidedBy,
});

/** `proposals list`. */
export const proposalsListCommand = (config: HostConfig, status: string | undefined, json: boolean, io: Io) => {
  const parsed = status !== undefined ? ProposalStatusSchema.safeParse(status) : null;
  if (parsed && !parsed.success) {
    io.err(`first-mate: --status must be one of ${ProposalStatusSchema.options.join(", ")}`);
    return Promise.resolve(2);
  }
  return withExistingStore(
    config,
    io,
    async (store) => {
      const rows = await store.listProposals(parsed?.success ? { status: parsed.data } : {});
      if (E.isLeft(rows)) {
        io.err(`first-mate: ${describeError(rows.left)}`);
        return 1;
      }
      if (json) io.out(JSON.stringify(rows.right.map(toProposalJson)));
      else if (rows.right.length === 0) io.out("no proposals");
      else
        for (const row of rows.right)
          io.out(`#${row.id} [${row.status}] ${time(row.at)} ${describeAction(row.action)} — ${row.reason}`);
      return 0;
    },
    (path) => {
      io.out(json ? "[]" : noStateMessage(path));
      return 0;
    },
  );
};

/** `proposals approve ID` / `proposals reject ID`: recorded, not executed. */
export const proposalsDecideCommand = (
  config: HostConfig,
  decision: "approve" | "reject",
  id: number,
  by: string | undefined,
  json: boolean,
  io: Io,
) =>
  withExistingStore(
    config,
    io,
    async (store) => {
      const decided = await store.decideProposal(id, decision === "approve" ? "approved" : "rejected", {
        by: decider(by),
        at: Date.now(),
      });
      if (E.isLeft(decided)) {
        io.err(`first-mate: ${describeError(decided.left)}`);
        return 1;
      }
      if (json) io.out(JSON.stringify(toProposalJson(decided.right)));
      else io.out(`proposal #${id} ${decided.right.status} (recorded; running it is your call, or hand over the conn)`);
      return 0;
    },
    noSuchDatabase(io, "proposal"),
  );
