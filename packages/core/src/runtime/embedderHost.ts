/**
 * The runtime's EmbedderHost: the embedder's surface over a running
 * `Runtime` and its store.
 *
 * Guarantees: inputs go through `runtime.updateInputs` (zod-validated; a
 * rejection changes nothing and comes back as `ToolInvalidInput`); nothing
 * here rejects — a throwing runtime or store becomes `ToolFailed`; the
 * runtime's `alert` reports become `alert` notices, in order.
 *
 * Does not: decide anything; the core does. Conn handoff and role-extension
 * approval are added beside these methods when the runtime grows them.
 */
import * as E from "fp-ts/lib/Either.js";
import { renderDelta } from "../decisions/renderDelta.js";
import { LogReadQuerySchema } from "../domain/logEntry.js";
import type { EmbedderHost, EmbedderNotice } from "../ports/embedderHost.js";
import { describeError, type ToolError } from "../ports/errors.js";
import type { StorePort } from "../ports/storePort.js";
import type { Runtime } from "./createRuntime.js";

export interface EmbedderHostDeps {
  readonly runtime: Pick<
    Runtime,
    "updateInputs" | "status" | "digest" | "state" | "setKillSwitch" | "resetSupervisor" | "subscribe"
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

    subscribe: (listener) =>
      runtime.subscribe((report) => {
        if (report.type !== "alert") return;
        const notice: EmbedderNotice = {
          kind: "alert",
          level: report.level,
          code: report.code,
          message: report.message,
          at: report.at,
        };
        listener(notice);
      }),
  };
};
