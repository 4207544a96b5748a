/**
 * One JSON Schema validator for every MCP session of a process.
 *
 * The SDK's `Server` builds its own Ajv instance (with all string formats
 * added) when none is given: tens of kilobytes of heap per attached session,
 * held as long as the session lives. Ajv keeps no per-session state beyond a
 * cache of compiled schemas, so sessions share one.
 */
import { AjvJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/ajv";

let shared: AjvJsonSchemaValidator | null = null;

/** The process-wide validator, made on first use. */
export const sharedSchemaValidator = (): AjvJsonSchemaValidator => {
  shared ??= new AjvJsonSchemaValidator();
  return shared;
};
