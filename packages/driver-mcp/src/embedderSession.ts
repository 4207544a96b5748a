/**
 * Embedder sessions: an orchestrator's MCP session on the channel socket,
 * admitted by the embedder token, with its own tool set and the alert and
 * event notifications.
 *
 * Guarantees:
 * - Admission compares sha-256(token) with the configured hash in constant
 *   time; a missing or wrong token, or a server without embedder access,
 *   is refused before any MCP traffic.
 * - An embedder session has only the embedder tools; it is never in the
 *   per-pane map, so it neither replaces an agent's session nor receives
 *   channel pushes, and agents never see embedder tools.
 * - Notices reach a session only after its `initialized` notification, in
 *   the order the host reports them; a failed write ends that session alone.
 *
 * Does not: limit how many embedders attach (each holds the token).
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { Socket } from "node:net";
import type { EmbedderHost, PaneId } from "@first-mate/core";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import * as E from "fp-ts/lib/Either.js";
import { embedderNotification, registerEmbedderTools } from "./embedderTools.js";
import type { EmbedderHello, HelloError } from "./hello.js";
import { sharedSchemaValidator } from "./sharedSchemaValidator.js";
import { SocketTransport } from "./socketTransport.js";

/** How a channel server lets embedders in. */
export interface EmbedderAccess {
  readonly host: EmbedderHost;
  /** Hex sha-256 of the embedder token (the token itself never reaches the server). */
  readonly tokenHash: string;
  /** Instructions sent at initialize; default `EMBEDDER_INSTRUCTIONS`. */
  readonly instructions?: string;
}

/** A snapshot of one embedder session, for diagnostics. */
export interface EmbedderSessionInfo {
  readonly paneId: PaneId | null;
  readonly attached: boolean;
  readonly connectedAt: number;
  readonly clientName: string | null;
}

/** One embedder's MCP session on the socket: what it is, and a way to close it. */
export interface EmbedderSession {
  info(): EmbedderSessionInfo;
  close(): void;
}

/** Default instructions for an embedder session. */
export const EMBEDDER_INSTRUCTIONS = `This is first-mate's embedder surface, for the orchestrator that runs the fleet.
Tools: update_inputs {panes?: {"%N": {statusLine?, pr?, ci?: red|pending|green, watched?}}, usage?: {percent, resetsAt}}, fleet_digest {}, status {}, captains_log_read {limit?, kind?}, set_kill_switch {on}, reset_supervisor {}.
Authority: conn_handoff {scope: {actions: [spawn_worker|assign_task|terminate], targets?}, minutes, escalation?}, conn_take_back {}, conn_status {}, proposals_list {status?}, proposal_decide {id, decision: approve|reject, by?}, role_list {status?}, role_decide {id, decision, by?}.
Notifications: notifications/first_mate/alert {level, code, message, at} and notifications/first_mate/event {type, at, data}; event types: proposal {id, action, reason, handBack}, role_proposal {id, text}, conn {conn, reason}.`;

/** True when sha-256(`token`) equals `expectedHash` (hex); constant-time in the hash. */
export const embedderTokenMatches = (token: string | undefined, expectedHash: string): boolean => {
  if (token === undefined || !/^[0-9a-f]{64}$/i.test(expectedHash)) return false;
  const expected = Buffer.from(expectedHash, "hex");
  const actual = createHash("sha256").update(token, "utf8").digest();
  return expected.length === actual.length && timingSafeEqual(expected, actual);
};

/** Pure but for hashing: admit an embedder hello, or say why not. */
export const admitEmbedder = (
  hello: EmbedderHello,
  access: EmbedderAccess | undefined,
): E.Either<HelloError, EmbedderAccess> => {
  if (!access) {
    return E.left({
      _tag: "HelloRoleUnsupported",
      role: "embedder",
      message: "this server does not serve embedders (no embedder token configured)",
    });
  }
  if (hello.token === undefined) {
    return E.left({ _tag: "HelloUnauthorized", message: "an embedder hello needs the embedder token" });
  }
  if (!embedderTokenMatches(hello.token, access.tokenHash)) {
    return E.left({ _tag: "HelloUnauthorized", message: "the embedder token does not match" });
  }
  return E.right(access);
};

/**
 * What an embedder session starts from: its socket, its verified hello, the bytes read after the hello, and the
 * embedder host that answers its tools.
 */
export interface EmbedderSessionOptions {
  readonly socket: Socket;
  readonly hello: EmbedderHello;
  /** Bytes read after the hello line. */
  readonly rest: Buffer;
  readonly access: EmbedderAccess;
  readonly serverInfo: { readonly name: string; readonly version: string };
  readonly maxFrameBytes: number;
  /** Called once when the session ends, however it ends. */
  readonly onEnd: () => void;
}

/** Start an admitted embedder's MCP session on `socket`. */
export const startEmbedderSession = (options: EmbedderSessionOptions): EmbedderSession => {
  const { socket, access } = options;
  const mcp = new McpServer(options.serverInfo, {
    capabilities: { tools: {}, experimental: { "first_mate/embedder": {} } },
    instructions: access.instructions ?? EMBEDDER_INSTRUCTIONS,
    jsonSchemaValidator: sharedSchemaValidator(),
  });
  registerEmbedderTools(mcp, access.host);
  const transport = new SocketTransport(socket, { initialBytes: options.rest, maxFrameBytes: options.maxFrameBytes });
  const connectedAt = Date.now();
  let attached = false;
  let ended = false;
  let unsubscribe: (() => void) | null = null;

  const close = (): void => {
    if (ended) return;
    ended = true;
    unsubscribe?.();
    unsubscribe = null;
    socket.destroy();
    mcp.close().catch(() => undefined);
    options.onEnd();
  };

  mcp.server.onerror = () => undefined;
  mcp.server.onclose = close;
  mcp.server.oninitialized = () => {
    if (ended || attached) return;
    attached = true;
    try {
      unsubscribe = access.host.subscribe((notice) => {
        if (ended) return;
        mcp.server.notification(embedderNotification(notice)).catch(close);
      });
    } catch {
      close();
    }
  };
  mcp.connect(transport).then(
    () => {
      if (transport.isClosed) close();
    },
    () => close(),
  );

  return {
    info: () => ({
      paneId: options.hello.pane ?? null,
      attached,
      connectedAt,
      clientName: mcp.server.getClientVersion()?.name ?? null,
    }),
    close,
  };
};
