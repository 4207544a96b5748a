/**
 * Store errors as values: constructors for the core's `StoreError` union and
 * the one place that turns whatever better-sqlite3 throws into one of them.
 *
 * Guarantees: `toStoreError` never throws and always names the cause in its
 * message. It does not decide retries; callers see the tag and choose.
 */
import type { StoreError } from "@first-mate/core";
import type { z } from "zod";

/** The store cannot be used right now: closed, locked beyond the busy timeout, corrupt or unreadable file. */
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

/** The file was written by a newer first-mate; refusing it protects that version's data. */
export const storeSchemaTooNew = (found: number, known: number): StoreError => ({
  _tag: "StoreSchemaTooNew",
  found,
  known,
  message: `the database schema is version ${found} but this first-mate knows only up to ${known}; upgrade first-mate`,
});

/** A holder-only write under a lease epoch that is no longer the store's: the writer lost the lease. */
export const storeStaleEpoch = (epoch: number, current: number): StoreError => ({
  _tag: "StoreStaleEpoch",
  epoch,
  current,
  message: `lease epoch ${epoch} is stale (the lease is at epoch ${current}): another host took the lease`,
});

/** One line per zod issue, prefixed with the field path, for error messages a person can act on. */
export const describeZodError = (error: z.ZodError): string =>
  error.issues
    .map((issue) => (issue.path.length > 0 ? `${issue.path.map(String).join(".")}: ${issue.message}` : issue.message))
    .join("; ");

const sqliteCode = (cause: unknown): string | null => {
  if (typeof cause !== "object" || cause === null || !("code" in cause)) return null;
  const code = (cause as { code: unknown }).code;
  return typeof code === "string" && code.startsWith("SQLITE_") ? code : null;
};

const causeMessage = (cause: unknown): string => (cause instanceof Error ? cause.message : String(cause));

/**
 * Map anything thrown by better-sqlite3 (or the Node runtime underneath) to a
 * `StoreError`. Constraint failures are `StoreConstraint`; everything else
 * means the store cannot serve the call and is `StoreUnavailable`.
 */
export const toStoreError = (cause: unknown, context: { readonly busyTimeoutMs?: number } = {}): StoreError => {
  const code = sqliteCode(cause);
  const message = causeMessage(cause);
  if (code === null) return storeUnavailable(`store failure: ${message}`);
  if (code.startsWith("SQLITE_CONSTRAINT")) return storeConstraint(`${code}: ${message}`);
  if (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED")) {
    const waited = context.busyTimeoutMs === undefined ? "" : ` after waiting ${context.busyTimeoutMs} ms`;
    return storeUnavailable(`the database is locked by another connection${waited} (${code}: ${message})`);
  }
  if (code === "SQLITE_NOTADB") return storeUnavailable(`the file is not a SQLite database (${code}: ${message})`);
  if (code.startsWith("SQLITE_CORRUPT")) return storeUnavailable(`the database file is corrupt (${code}: ${message})`);
  return storeUnavailable(`${code}: ${message}`);
};
