/**
 * The PostgreSQL schema first-mate's tables live in (default `first_mate`),
 * so it can share a database with the embedder's own tables.
 *
 * Guarantees: only plain lower-case identifiers are accepted, so a schema
 * name can never carry SQL; `quoteIdentifier` quotes it anyway.
 */
import { z } from "zod";

/** The schema used when none is configured. */
export const DEFAULT_SCHEMA = "first_mate";

/** A plain identifier: lower-case letter or underscore first, then letters, digits, underscores; at most 63 bytes. */
export const SchemaNameSchema = z
  .string()
  .regex(/^[a-z_][a-z0-9_]{0,62}$/, "a schema name is a lower-case identifier such as first_mate");

/** `"name"`, with any double quote doubled. */
export const quoteIdentifier = (name: string): string => `"${name.replaceAll('"', '""')}"`;
