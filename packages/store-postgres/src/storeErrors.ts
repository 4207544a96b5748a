/**
 * Store errors as values: constructors for the core's `StoreError` union and
 * the one place that turns whatever `pg` throws (a server error with its
 * SQLSTATE, a refused or dropped socket, a timeout) into one of them.
 *
 * Guarantees: `toStoreError` never throws, always names the cause, and never
 * repeats a password. It does not decide retries: a lost connection is
 * `StoreUnavailable`, and the caller sees the tag and chooses.
 */
import type { StoreError } from "@first-mate/core";
import type { z } from "zod";

/** The store cannot serve the call right now: closed, unreachable, refused, timed out, not migrated. */
export const storeUnavailable = (message: string): StoreError => ({ _tag: "StoreUnavailable", message });

/** A row read back failed validation; `table` names where to look. */
export const storeCorruptRow = (table: string, message: string): StoreError => ({
  _tag: "StoreCorruptRow",
  table,
  message: `corrupt row in ${table}: ${message}`,
});

/** The database refused the write (a CHECK, UNIQUE or PRIMARY KEY rule) or the row's state forbids it. */
export const storeConstraint = (message: string): StoreError => ({ _tag: "StoreConstraint", message });

/** The caller's input failed validation; nothing was written. */
export const storeInvalidInput = (message: string): StoreError => ({ _tag: "StoreInvalidInput", message });

/** The schema was migrated by a newer first-mate; refusing it protects that version's data. */
export const storeSchemaTooNew = (schema: string, found: number, known: number): StoreError => ({
  _tag: "StoreSchemaTooNew",
  found,
  known,
  message: `the PostgreSQL schema "${schema}" is at version ${found} but this first-mate knows only up to ${known}; upgrade first-mate`,
});

/** One line per zod issue, prefixed with the field path, for error messages a person can act on. */
/** A holder-only write under a lease epoch that is no longer the store's: the writer lost the lease. */
export const storeStaleEpoch = (epoch: number, current: number): StoreError => ({
  _tag: "StoreStaleEpoch",
  epoch,
  current,
  message: `lease epoch ${epoch} is stale (the lease is at epoch ${current}): another host took the lease`,
});

export const describeZodError = (error: z.ZodError): string =>
  error.issues
    .map((issue) => (issue.path.length > 0 ? `${issue.path.map(String).join(".")}: ${issue.message}` : issue.message))
    .join("; ");

/** Thrown inside a unit of work to stop it (and roll back a write) with a typed error. */
export class StoreAbort extends Error {
  constructor(readonly error: StoreError) {
    super(error.message);
  }
}

const field = (cause: unknown, name: string): string | null => {
  if (typeof cause !== "object" || cause === null || !(name in cause)) return null;
  const value = (cause as Record<string, unknown>)[name];
  return typeof value === "string" ? value : null;
};

const causeMessage = (cause: unknown): string => {
  if (cause instanceof AggregateError && cause.errors.length > 0) return causeMessage(cause.errors[0]);
  if (cause instanceof Error) return cause.message || cause.name;
  return String(cause);
};

/** Socket-level failures Node reports while connecting or talking to the server. */
const NETWORK_CODES: Readonly<Record<string, string>> = {
  ECONNREFUSED: "the server refused the connection (is PostgreSQL running there?)",
  ENOENT: "no server socket at that path (is PostgreSQL running there?)",
  ECONNRESET: "the connection was reset",
  EPIPE: "the connection was closed",
  ETIMEDOUT: "the connection timed out",
  EHOSTUNREACH: "the host is unreachable",
  ENOTFOUND: "the host name does not resolve",
  EAI_AGAIN: "the host name does not resolve (yet)",
  EACCES: "permission denied on the server socket",
};

/**
 * Map anything thrown by `pg` (or the sockets underneath) to a `StoreError`.
 * Integrity violations (SQLSTATE class 23) are `StoreConstraint`; everything
 * else means the store cannot serve the call and is `StoreUnavailable`,
 * prefixed with `target` (the server, without its password).
 */
export const toStoreError = (cause: unknown, target: string): StoreError => {
  if (cause instanceof StoreAbort) return cause.error;
  const sqlState = field(cause, "code");
  const message = causeMessage(cause);
  if (sqlState !== null && /^[0-9A-Z]{5}$/.test(sqlState)) {
    if (sqlState.startsWith("23")) return storeConstraint(`${sqlState}: ${message}`);
    if (sqlState.startsWith("28"))
      return storeUnavailable(`${target}: authentication failed (${sqlState}: ${message})`);
    if (sqlState === "3D000") return storeUnavailable(`${target}: the database does not exist (${message})`);
    if (sqlState.startsWith("08") || sqlState.startsWith("57P")) {
      return storeUnavailable(`${target}: the connection to the server was lost (${sqlState}: ${message})`);
    }
    if (sqlState === "57014") return storeUnavailable(`${target}: the statement timed out (${message})`);
    return storeUnavailable(`${target}: ${sqlState}: ${message}`);
  }
  if (sqlState !== null && sqlState in NETWORK_CODES) {
    return storeUnavailable(`${target}: ${NETWORK_CODES[sqlState]} (${sqlState}: ${message})`);
  }
  const nested = cause instanceof AggregateError ? field(cause.errors[0], "code") : null;
  if (nested !== null && nested in NETWORK_CODES) {
    return storeUnavailable(`${target}: ${NETWORK_CODES[nested]} (${nested}: ${message})`);
  }
  if (/terminated|timeout|Connection|closed|ended/i.test(message)) {
    return storeUnavailable(`${target}: the connection to the server failed (${message})`);
  }
  return storeUnavailable(`${target}: store failure: ${message}`);
};
