/**
 * The hello line: the first line a client writes on a fresh connection,
 * naming its pane (and, for the first mate, its spawn token).
 *
 * Guarantees: `parseHello` never throws; it returns a typed error for a line
 * that is too long, not JSON, or not a hello. A hello proves nothing by itself:
 * the token is checked against the marker on every first-mate tool call.
 *
 * The schema is a union on `role`: `agent` (a missing role means `agent`)
 * `embedder` (an orchestrator holding the embedder token; its pane is
 * optional) and `hook` (the hook command: one agent lifecycle payload for its
 * pane, answered with one line, then closed; see hookConnection.ts). The embedder token is verified by the server before the session
 * starts, against the hash it was configured with.
 */
import { PaneIdSchema } from "@first-mate/core";
import * as E from "fp-ts/lib/Either.js";
import { z } from "zod";
import { MAX_HELLO_BYTES } from "./limits.js";

/** A spawn token as carried in a hello; its sha-256 is what the marker holds. */
export const SpawnTokenSchema = z.string().min(1).max(512);

/** `$TMUX` as tmux sets it: `socket_path,server_pid,session_index`. */
export const TmuxEnvironmentSchema = z.string().min(1).max(1024);

/** An agent's hello: its pane, and the spawn token (first mate) or resume secret when it has one. */
export const AgentHelloSchema = z.object({
  role: z.literal("agent"),
  pane: PaneIdSchema,
  token: SpawnTokenSchema.optional(),
  /** The resume secret the server handed out when the spawn token was consumed (reconnects). */
  resume: SpawnTokenSchema.optional(),
  /** Ask for a resume secret line before the MCP traffic (the shim does; plain SDK clients do not). */
  wantsResume: z.boolean().optional(),
  /** The client's `$TMUX`: a hello from another tmux server is refused. */
  tmux: TmuxEnvironmentSchema.optional(),
});
/** A parsed {@link AgentHelloSchema}. */
export type AgentHello = z.infer<typeof AgentHelloSchema>;

/** An embedder: an orchestrator process; the token is required by the server, checked after parsing. */
export const EmbedderHelloSchema = z.object({
  role: z.literal("embedder"),
  pane: PaneIdSchema.optional(),
  token: SpawnTokenSchema.optional(),
});
/** A parsed {@link EmbedderHelloSchema}. */
export type EmbedderHello = z.infer<typeof EmbedderHelloSchema>;

/**
 * The hook command: a lifecycle payload for its pane. The payload is an
 * object here and is validated by the server against the core's
 * AgentHookPayloadSchema, so a bad payload gets its own typed error.
 */
export const HookHelloSchema = z.object({
  role: z.literal("hook"),
  pane: PaneIdSchema,
  tmux: TmuxEnvironmentSchema.optional(),
  payload: z.record(z.string(), z.unknown()),
});
/** A parsed {@link HookHelloSchema}. */
export type HookHello = z.infer<typeof HookHelloSchema>;

/** Every role this server serves, a union on `role`. */
export const HelloSchema = z.discriminatedUnion("role", [AgentHelloSchema, EmbedderHelloSchema, HookHelloSchema]);
/** A parsed {@link HelloSchema}: any role's hello. */
export type Hello = z.infer<typeof HelloSchema>;
/** A hello that opens a pane session (every role but `embedder` and `hook`). */
export type PaneHello = Exclude<Hello, EmbedderHello | HookHello>;

/** What a client writes: `role` may be left out (it means `agent`). */
export type HelloInput =
  | {
      readonly pane: string;
      readonly token?: string;
      readonly resume?: string;
      readonly wantsResume?: boolean;
      readonly tmux?: string;
      readonly role?: PaneHello["role"];
    }
  | { readonly role: "embedder"; readonly token: string; readonly pane?: string }
  | {
      readonly role: "hook";
      readonly pane: string;
      readonly payload: Readonly<Record<string, unknown>>;
      readonly tmux?: string;
    };

/** Roles reserved for later, refused with a message that says so. */
export const RESERVED_ROLES: readonly string[] = [];

/** Why a hello line was refused: too long, not JSON, invalid, or not allowed; each carries a message for the peer. */
export type HelloError =
  | { readonly _tag: "HelloTooLong"; readonly message: string }
  | { readonly _tag: "HelloNotJson"; readonly message: string }
  | { readonly _tag: "HelloInvalid"; readonly message: string }
  | { readonly _tag: "HelloRoleUnsupported"; readonly message: string; readonly role: string }
  | { readonly _tag: "HelloTimeout"; readonly message: string }
  | { readonly _tag: "HelloPaneHeld"; readonly message: string }
  | { readonly _tag: "HelloUnauthorized"; readonly message: string }
  | { readonly _tag: "HelloServerFull"; readonly message: string }
  | { readonly _tag: "HelloWrongTmuxServer"; readonly message: string }
  | { readonly _tag: "HelloIdentityConflict"; readonly message: string };

/** The line the server writes after a hello that consumed the spawn token and asked for a resume secret. */
export const serializeResumeGrant = (secret: string): string => `${JSON.stringify({ resume: secret })}\n`;

/** Recognise a resume grant line (as opposed to a JSON-RPC message). */
export const parseResumeGrant = (line: string): string | null => {
  try {
    const value: unknown = JSON.parse(line);
    if (typeof value !== "object" || value === null || "jsonrpc" in value) return null;
    const resume = (value as { resume?: unknown }).resume;
    return typeof resume === "string" && resume.length > 0 && resume.length <= 512 ? resume : null;
  } catch {
    return null;
  }
};

/** Pure: parse one hello line (without its newline). */
export const parseHello = (line: string): E.Either<HelloError, Hello> => {
  if (Buffer.byteLength(line, "utf8") > MAX_HELLO_BYTES) {
    return E.left({ _tag: "HelloTooLong", message: `hello line exceeds ${MAX_HELLO_BYTES} bytes` });
  }
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return E.left({ _tag: "HelloNotJson", message: "hello line is not JSON" });
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return E.left({ _tag: "HelloInvalid", message: "hello must be a JSON object {pane, token?, role?}" });
  }
  const withRole = "role" in value ? value : { ...value, role: "agent" };
  const role = (withRole as { role: unknown }).role;
  if (typeof role === "string" && RESERVED_ROLES.includes(role)) {
    return E.left({ _tag: "HelloRoleUnsupported", role, message: `role "${role}" is not served yet` });
  }
  const parsed = HelloSchema.safeParse(withRole);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((issue) => `${issue.path.join(".") || "hello"}: ${issue.message}`);
    return E.left({ _tag: "HelloInvalid", message: `invalid hello: ${detail.join("; ")}` });
  }
  return E.right(parsed.data);
};

/** The line a client writes, newline included. */
export const serializeHello = (hello: HelloInput): string => `${JSON.stringify(hello)}\n`;

/** The single line the server writes before closing a connection whose hello it refused. */
export const serializeHelloRefusal = (error: HelloError): string =>
  `${JSON.stringify({ error: { code: error._tag, message: error.message } })}\n`;

const HelloRefusalSchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

/** Recognise a hello refusal line (as opposed to a JSON-RPC message). */
export const parseHelloRefusal = (line: string): { code: string; message: string } | null => {
  try {
    const value: unknown = JSON.parse(line);
    if (typeof value === "object" && value !== null && "jsonrpc" in value) return null;
    const parsed = HelloRefusalSchema.safeParse(value);
    return parsed.success ? parsed.data.error : null;
  } catch {
    return null;
  }
};
