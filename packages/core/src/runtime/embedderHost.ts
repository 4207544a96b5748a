/**
 * The runtime's EmbedderHost: the embedder's surface over a running
 * `Runtime` and its store.
 *
 * Guarantees: inputs go through `runtime.updateInputs` (zod-validated; a
 * rejection changes nothing and comes back as `ToolInvalidInput`); nothing
 * here rejects — a throwing runtime or store becomes `ToolFailed`; the
 * runtime's `alert` reports become `alert` notices, and its authority facts
 * become `event` notices (a stored proposal → `proposal`, a ROLE-EXT
 * proposal → `role_proposal`, every stored change of conn holder → `conn`),
 * all in the order the runtime reported them.
 *
 * Does not: decide anything; the core does. The conn powers go through
 * `runtime.authority`, so a handoff is stored, logged and told to the first
 * mate exactly as one from the command line.
 */
import * as E from "fp-ts/lib/Either.js";
import type { Conn } from "../authority/conn.js";
import { renderDelta } from "../decisions/renderDelta.js";
import { LogReadQuerySchema } from "../domain/logEntry.js";
import type { Event } from "../events.js";
import type { EmbedderHost, EmbedderNotice } from "../ports/embedderHost.js";
import { describeError, type ToolError } from "../ports/errors.js";
import type { StorePort } from "../ports/storePort.js";
import type { AuthorityControlError } from "./authorityControls.js";
import type { Runtime, RuntimeReport } from "./createRuntime.js";

/** What `createEmbedderHost` needs: the runtime and the store. */
export interface EmbedderHostDeps {
  readonly runtime: Pick<
    Runtime,
    "updateInputs" | "status" | "digest" | "state" | "setKillSwitch" | "resetSupervisor" | "subscribe" | "authority"
  >;
  readonly store: Pick<StorePort, "readLog">;
}

const failedWith = (error: unknown): ToolError => ({
  _tag: "ToolFailed",
  message: error instanceof Error ? error.message : String(error),
});

/** Run `task`, turning a throw into a `ToolFailed` value. */
const settle = async <T>(task: () => Promise<E.Either<ToolError, T>>): Promise<E.Either<ToolError, T>> => {
  try {
    return await task();
  } catch (error) {
    return E.left(failedWith(error));
  }
};

const fromAuthority = <T>(result: E.Either<AuthorityControlError, T>): E.Either<ToolError, T> => {
  if (E.isRight(result)) return E.right(result.right);
  const error = result.left;
  switch (error._tag) {
    case "InvalidInput":
      return E.left({ _tag: "ToolInvalidInput", message: error.message });
    case "HandoffRefused":
      return E.left({ _tag: "ToolRefused", message: `handoff refused: ${error.reason}` });
    case "StoreFailed":
      return E.left({ _tag: "ToolFailed", message: error.message });
  }
};

/** Why the conn changed, told from the event whose step stored it and the conn held before. */
const connChangeReason = (event: Event | null, before: Conn, after: Conn): string => {
  if (after.holder === "first_mate") return "handed_off";
  switch (event?.type) {
    case "ConnTakenBack":
      return "taken_back";
    case "ActionProposed":
      return event.handBack ?? "out_of_scope";
    case "Started": {
      const restored = event.hydration?.conn;
      return restored?.holder === "first_mate" && restored.firstMateAttempt === event.hydration?.marker?.attempt
        ? "expired"
        : "first_mate_restarted";
    }
    case "Ticked":
      return before.holder === "first_mate" && event.now >= before.expiresAt ? "expired" : "first_mate_restarted";
    default:
      return "first_mate_restarted";
  }
};

/**
 * Turns runtime reports into embedder notices. Stateful per subscription:
 * it remembers the event being stepped (its commands follow its report)
 * and the conn last stored, to say why a conn changed.
 */
const createNoticeMapper = (initialConn: Conn) => {
  let stepping: Event | null = null;
  let conn = initialConn;
  return (report: RuntimeReport): EmbedderNotice | null => {
    switch (report.type) {
      case "alert":
        return { kind: "alert", level: report.level, code: report.code, message: report.message, at: report.at };
      case "event": {
        stepping = report.event;
        const event = report.event;
        // A restored conn is held without being stored again.
        if (event.type === "Started") conn = event.hydration?.conn ?? conn;
        if (event.type === "ActionProposed") {
          return {
            kind: "event",
            type: "proposal",
            at: report.at,
            data: { id: event.proposalId, action: event.action, reason: event.reason, handBack: event.handBack },
          };
        }
        if (event.type === "RoleChangeProposed") {
          return {
            kind: "event",
            type: "role_proposal",
            at: report.at,
            data: { id: event.extensionId, text: event.text },
          };
        }
        return null;
      }
      case "command": {
        if (report.command.type !== "store.setConn") return null;
        const before = conn;
        conn = report.command.conn;
        return {
          kind: "event",
          type: "conn",
          at: report.at,
          data: { conn, reason: connChangeReason(stepping, before, conn) },
        };
      }
      default:
        return null;
    }
  };
};

/** The embedder's surface over `runtime` (see the module header). */
export const createEmbedderHost = (deps: EmbedderHostDeps): EmbedderHost => {
  const { runtime, store } = deps;
  return {
    updateInputs: (input) =>
      settle(async () => {
        const accepted = await runtime.updateInputs(input as Parameters<Runtime["updateInputs"]>[0]);
        if (E.isLeft(accepted)) return E.left({ _tag: "ToolInvalidInput", message: accepted.left.reason });
        const panes = Object.keys(input.panes ?? {}).length;
        return E.right(`inputs updated (${panes} pane${panes === 1 ? "" : "s"}${input.usage ? ", usage" : ""})`);
      }),

    fleetDigest: () =>
      settle(async () => {
        const digest = runtime.digest();
        const text = renderDelta([{ type: "first_sight" }], digest, {
          capBytes: runtime.state().config.renderCapBytes * 4,
        });
        return E.right({ digest, text });
      }),

    status: () => settle(async () => E.right({ ...runtime.status() })),

    readLog: (input) =>
      settle(async () => {
        const query = LogReadQuerySchema.safeParse(input);
        if (!query.success) {
          return E.left({ _tag: "ToolInvalidInput", message: query.error.issues[0]?.message ?? "invalid query" });
        }
        const entries = await store.readLog(query.data);
        return E.isRight(entries) ? E.right(entries.right) : E.left(failedWith(describeError(entries.left)));
      }),

    setKillSwitch: (on) =>
      settle(async () => {
        await runtime.setKillSwitch(on);
        return E.right(on ? "kill switch set: no first mate will be spawned" : "kill switch cleared");
      }),

    resetSupervisor: () =>
      settle(async () => {
        await runtime.resetSupervisor();
        return E.right("supervisor reset: it may start the first mate again");
      }),

    handOffConn: (input) =>
      settle(async () => {
        const handoff = {
          scope: {
            actions: [...input.scope.actions],
            ...(input.scope.targets === undefined ? {} : { targets: [...input.scope.targets] }),
          },
          // Minutes are the human's unit; the runtime counts whole milliseconds.
          durationMs: Math.round(input.minutes * 60_000),
          ...(input.escalation === undefined ? {} : { escalation: input.escalation }),
        };
        return fromAuthority(await runtime.authority.handOffConn(handoff));
      }),

    takeBackConn: () => settle(async () => E.right(await runtime.authority.takeBackConn())),

    connStatus: () =>
      settle(async () =>
        E.right({ conn: runtime.authority.conn(), deferredSpawns: runtime.authority.deferredSpawns() }),
      ),

    listProposals: (filter) =>
      settle(async () =>
        fromAuthority(
          await runtime.authority.listProposals(filter.status === undefined ? {} : { status: filter.status }),
        ),
      ),

    decideProposal: (decision) =>
      settle(async () =>
        fromAuthority(await runtime.authority.decideProposal(decision.id, decision.approve, decision.by)),
      ),

    listRoleExtensions: (filter) =>
      settle(async () =>
        fromAuthority(
          await runtime.authority.listRoleExtensions(filter.status === undefined ? {} : { status: filter.status }),
        ),
      ),

    decideRoleExtension: (decision) =>
      settle(async () =>
        fromAuthority(
          decision.approve
            ? await runtime.authority.approveRoleExtension(decision.id, decision.by)
            : await runtime.authority.rejectRoleExtension(decision.id, decision.by),
        ),
      ),

    subscribe: (listener) => {
      const toNotice = createNoticeMapper(runtime.authority.conn());
      return runtime.subscribe((report) => {
        const notice = toNotice(report);
        if (notice !== null) listener(notice);
      });
    },
  };
};
