/**
 * Conn changes asked for from another process (the `first-mate conn` CLI):
 * a one-shot request in the store's key-value table, picked up by the
 * running host, applied through its runtime, and answered in a result key.
 *
 * Guarantees: a request is applied at most once (by id); the host deletes
 * it before applying it; an invalid request is answered with an error and
 * changes nothing. A take-back never needs a running host: with none
 * holding the lease, the CLI stores the human's conn itself (always safe).
 * An idle host on a SQLite store does no work for this until the store's
 * file changes.
 */
import { randomBytes } from "node:crypto";
import { basename } from "node:path";
import { ConnScopeSchema } from "@first-mate/core";
import type { Runtime } from "@first-mate/core/runtime";
import * as E from "fp-ts/lib/Either.js";
import { z } from "zod";
import { watchFileChanges } from "./fileChanges.js";
import type { HostStore } from "./hostStore.js";

/** The store key a pending conn request is written under, for the running host to apply. */
export const CONN_REQUEST_KEY = "authority.conn_request";
/** The store key the host writes its answer to a conn request under. */
export const CONN_RESULT_KEY = "authority.conn_result";

/**
 * A conn request from the command line to the running host: a handoff (scope, duration, escalation) or a take-
 * back, with an id to match its answer.
 */
export const ConnRequestSchema = z.discriminatedUnion("op", [
  z.object({
    op: z.literal("handoff"),
    id: z.string().min(1).max(64),
    scope: ConnScopeSchema,
    durationMs: z.number().int().positive(),
    escalation: z.string().min(1).max(500).optional(),
  }),
  z.object({ op: z.literal("take_back"), id: z.string().min(1).max(64) }),
]);
/** A parsed {@link ConnRequestSchema}. */
export type ConnRequest = z.infer<typeof ConnRequestSchema>;
/** A conn request before it is given its id. */
export type NewConnRequest = ConnRequest extends infer R ? (R extends ConnRequest ? Omit<R, "id"> : never) : never;

const ConnResultSchema = z.object({ id: z.string(), ok: z.boolean(), message: z.string() });
/** The host's answer to a conn request: its id, whether it applied, and a line for the human. */
export type ConnResult = z.infer<typeof ConnResultSchema>;

type KvStore = Pick<HostStore, "getKv" | "setKv" | "deleteKv">;

/** Apply one pending request, if any (the host calls this when the store may have changed). */
export const applyPendingConnRequest = async (
  store: KvStore,
  runtime: Pick<Runtime, "authority">,
): Promise<ConnResult | null> => {
  const raw = await store.getKv(CONN_REQUEST_KEY);
  if (E.isLeft(raw) || raw.right === undefined) return null;
  await store.deleteKv(CONN_REQUEST_KEY);
  const parsed = ConnRequestSchema.safeParse(raw.right);
  const id = typeof (raw.right as { id?: unknown })?.id === "string" ? (raw.right as { id: string }).id : "?";
  let result: ConnResult;
  if (!parsed.success) {
    result = { id, ok: false, message: `invalid conn request: ${parsed.error.issues[0]?.message ?? "?"}` };
  } else if (parsed.data.op === "take_back") {
    await runtime.authority.takeBackConn();
    result = { id, ok: true, message: "the conn is with the human" };
  } else {
    const handed = await runtime.authority.handOffConn({
      scope: parsed.data.scope,
      durationMs: parsed.data.durationMs,
      ...(parsed.data.escalation ? { escalation: parsed.data.escalation } : {}),
    });
    result = E.isRight(handed)
      ? {
          id,
          ok: true,
          message:
            handed.right.holder === "first_mate"
              ? `the first mate holds the conn until ${new Date(handed.right.expiresAt).toISOString()}`
              : "the handoff was not applied",
        }
      : { id, ok: false, message: "reason" in handed.left ? handed.left.reason : handed.left.message };
  }
  await store.setKv(CONN_RESULT_KEY, result);
  return result;
};

/**
 * Apply requests as they come; returns a stop function. With `storeFile`
 * (the SQLite store), a request is looked for when that file or its journal
 * changes (the kernel says so: nothing runs while nothing is written), and
 * every `intervalMs` only where its directory cannot be watched. Without it
 * (a server store), every `intervalMs`.
 */
export const watchConnRequests = (
  store: KvStore,
  runtime: Pick<Runtime, "authority">,
  intervalMs = 500,
  storeFile?: string,
): (() => void) => {
  const apply = () => applyPendingConnRequest(store, runtime).catch(() => null);
  if (storeFile !== undefined) {
    const name = basename(storeFile);
    const watch = watchFileChanges(
      // The database, its write-ahead log or its journal: a write by any process touches one of them.
      { path: storeFile, matches: (changed) => changed.startsWith(name), fallbackIntervalMs: intervalMs },
      apply,
    );
    void apply();
    return () => watch.stop();
  }
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    void apply().finally(() => {
      busy = false;
    });
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
};

/**
 * Post a request and wait up to `timeoutMs` for the running host's answer.
 * With no answer, the request is withdrawn (a stale handoff must never
 * apply later) and Left says so.
 */
export const requestConnChange = async (
  store: KvStore,
  request: NewConnRequest,
  timeoutMs = 5_000,
): Promise<E.Either<string, ConnResult>> => {
  const id = randomBytes(8).toString("hex");
  const written = await store.setKv(CONN_REQUEST_KEY, { ...request, id });
  if (E.isLeft(written)) return E.left(written.left.message);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const answer = await store.getKv(CONN_RESULT_KEY);
    if (E.isRight(answer)) {
      const result = ConnResultSchema.safeParse(answer.right);
      if (result.success && result.data.id === id) return E.right(result.data);
    }
  }
  const pending = await store.getKv(CONN_REQUEST_KEY);
  if (E.isRight(pending) && (pending.right as { id?: string } | undefined)?.id === id) {
    await store.deleteKv(CONN_REQUEST_KEY);
  }
  return E.left("no running first-mate host answered (is `first-mate run` running against this database?)");
};
