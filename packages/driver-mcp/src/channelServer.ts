/**
 * The channel server: a unix-socket listener that turns each connection into
 * one MCP session for one pane, and the `ChannelPort` that pushes to them.
 *
 * Guarantees:
 * - The socket is mode 0600 inside a private (0700, ours) directory; a stale
 *   socket from a dead server is replaced, a live one is a typed error.
 *   Starting is serialised by a lock file held for the server's life (see
 *   socketLock.ts), so two servers starting at once never orphan a socket.
 * - A bad hello gets one JSON error line and that connection is closed; a
 *   bad frame affects only its own connection. The server keeps serving.
 * - One session per pane. A newer connection replaces the older one, except
 *   that a connection which does not prove it is the first mate never
 *   replaces a session that does (a hello alone proves nothing). A replaced
 *   session's teardown never touches its successor.
 * - The spawn token is single-use (firstMateClaims.ts): the first hello that
 *   presents it consumes it and, when asked, gets a resume secret for its
 *   reconnects; a later hello with the spent token is refused
 *   (`HelloIdentityConflict`), raises one `identity_conflict` per token
 *   through the host, and never evicts the verified first mate.
 * - With `tmuxSocketPath`, agent and hook hellos from another tmux server
 *   are refused (`HelloWrongTmuxServer`): the socket path in their `$TMUX`
 *   must name it, and, with `observedTmux`, the server pid in it must be the
 *   pid of the server the host last observed (a server restarted on the same
 *   path is another server: its pane ids start again at %0).
 * - `emit` never rejects; it resolves true only once the notification was
 *   written to an attached (initialized) session. A push to the marked pane
 *   goes only to a session holding the first mate's token.
 * - `attached` is reported after the MCP `initialized` notification,
 *   `detached` when an attached session ends or is replaced.
 *
 * - Embedder connections (`role: "embedder"`) are admitted by the embedder
 *   token and served apart from the pane sessions (see embedderSession.ts).
 * - Bounded: at most `maxSessions` pane sessions, `maxEmbedders` embedder
 *   sessions and `maxPendingConnections` connections awaiting their hello;
 *   beyond them a connection is refused (typed) or closed, and the others
 *   are served as before.
 * - Hook connections (`role: "hook"`) carry one lifecycle payload, get one
 *   reply line and are closed (see hookConnection.ts); they never touch the
 *   pane's session.
 *
 * Does not: decide anything about the fleet. Tools call the `ToolHost`.
 */
import { realpathSync } from "node:fs";
import { chmod, lstat, unlink } from "node:fs/promises";
import { createServer, type Server as NetServer, type Socket } from "node:net";
import { dirname } from "node:path";
import type {
  ChannelEvent,
  ChannelMeta,
  ChannelPort,
  Marker,
  PaneId,
  TmuxServerIdentity,
  ToolHost,
  Unsubscribe,
} from "@first-mate/core";
import { sameTmuxServer } from "@first-mate/core";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import * as E from "fp-ts/lib/Either.js";
import type { ChannelServerError } from "./channelServerError.js";
import { registerChannelTools } from "./channelTools.js";
import {
  admitEmbedder,
  type EmbedderAccess,
  type EmbedderSession,
  type EmbedderSessionInfo,
  startEmbedderSession,
} from "./embedderSession.js";
import {
  createResumeSecret,
  defaultClaimStoreFor,
  type FirstMateClaimStore,
  secretMatches,
} from "./firstMateClaims.js";
import { isFirstMate, isProvenFirstMate } from "./firstMateIdentity.js";
import {
  type Hello,
  type HelloError,
  type PaneHello,
  parseHello,
  serializeHelloRefusal,
  serializeResumeGrant,
} from "./hello.js";
import { serveHookConnection } from "./hookConnection.js";
import { DEFAULT_INSTRUCTIONS } from "./instructions.js";
import { MAX_FRAME_BYTES, MAX_HELLO_BYTES } from "./limits.js";
import { ensurePrivateDirectory, preparePrivateSocketPath } from "./privateSocketPath.js";
import { sharedSchemaValidator } from "./sharedSchemaValidator.js";
import { acquireSocketLock, type ReleaseSocketLock } from "./socketLock.js";
import { SocketTransport } from "./socketTransport.js";
import { validateMeta } from "./validateMeta.js";

/** The notification method Claude Code shows as a channel message. */
export const CHANNEL_NOTIFICATION_METHOD = "notifications/claude/channel";

/**
 * How to run the channel server: its socket, the host that answers tools, and optional limits, instructions and
 * the embedder role.
 */
export interface ChannelServerOptions {
  /** Where to listen. Its directory is created 0700 if missing, and must be private. */
  readonly socketPath: string;
  readonly host: ToolHost;
  /** Instructions sent at initialize; default explains pushes and tools. */
  readonly instructions?: string;
  /** Server name in the MCP handshake; default "first-mate". */
  readonly name?: string;
  readonly version?: string;
  /** A connection that sends no complete hello within this time is closed; default 5000 ms. */
  readonly helloTimeoutMs?: number;
  /** Longest accepted frame; default 1 MiB. */
  readonly maxFrameBytes?: number;
  /** Let orchestrators in with the embedder token; without it, embedder hellos are refused. */
  readonly embedder?: EmbedderAccess;
  /** Pane sessions served at once; a hello for another pane beyond it is refused. Default 512. */
  readonly maxSessions?: number;
  /** Connections still owing their hello; more are closed at once. Default 64. */
  readonly maxPendingConnections?: number;
  /** Embedder sessions served at once. Default 16. */
  readonly maxEmbedders?: number;
  /**
   * Where the first mate's claim (spawn token consumed, resume secret hash)
   * is kept; the host keeps it in its store so a restart keeps it. Default:
   * in memory, one per tool host.
   */
  readonly claims?: FirstMateClaimStore;
  /**
   * The tmux server's socket path: agent and hook hellos must carry a
   * `$TMUX` naming it, else they are refused (a pane id means nothing on
   * another server). Unset: not checked.
   */
  readonly tmuxSocketPath?: string;
  /**
   * What the host last observed of tmux: the server's identity (null while
   * unknown, e.g. before the first observation or with no pane to list) and
   * a pane's pid. With it, a hello whose `$TMUX` names another server pid is
   * refused, and each session records the pane pid and server it was
   * admitted for. Unset: only the socket path is checked.
   */
  readonly observedTmux?: ObservedTmux;
  /** How long a hello with credentials waits for the marker to name its pane; default 5000 ms. */
  readonly credentialWaitMs?: number;
}

/** A snapshot of one live session, for diagnostics. */
export interface SessionInfo {
  readonly paneId: PaneId;
  readonly role: Hello["role"];
  /** True once the MCP `initialized` notification arrived. */
  readonly attached: boolean;
  /** Whether the session proved it is the first mate when it attached. */
  readonly firstMate: boolean;
  readonly connectedAt: number;
  readonly clientName: string | null;
  /** The pid of the pane's process when the session was admitted, as last observed; null when unknown. */
  readonly panePid: number | null;
  /** The tmux server the hello named (`$TMUX`): socket path and server pid; null when the hello carried none. */
  readonly tmuxServer: { readonly socketPath: string; readonly pid: number | null } | null;
}

/** What the host last observed of tmux (see `ChannelServerOptions.observedTmux`). */
export interface ObservedTmux {
  /** The tmux server the fleet was last listed from; null while unknown. */
  server(): TmuxServerIdentity | null;
  /** The pid of `paneId`'s process as last listed; null when unknown. */
  panePid(paneId: PaneId): number | null;
  /**
   * Asks tmux itself for the server it runs now and `paneId`'s pid (null
   * when no such pane); null when tmux could not be asked. Used for a hello
   * that comes before any listing named the server or its pane: with it such
   * a hello is checked by server pid too (and refused while tmux cannot be
   * asked); without it, by socket path only.
   */
  readLive?(paneId: PaneId): Promise<LiveTmux | null>;
}

/** What tmux said of itself when asked (see `ObservedTmux.readLive`). */
export interface LiveTmux {
  readonly server: TmuxServerIdentity;
  readonly panePid: number | null;
}

/** The tmux server a hello is judged against and its pane's pid, from the last listing or read now. */
interface JudgedTmux {
  readonly server: TmuxServerIdentity | null;
  readonly panePid: number | null;
  /** tmux was to be asked and could not be: nothing to judge a server pid against. */
  readonly unreadable: boolean;
}

/** `$TMUX` (`socket_path,server_pid,session_index`) split; the pid is null when it is not a number. */
export const parseTmuxEnvironment = (tmux: string): { readonly socketPath: string; readonly pid: number | null } => {
  const parts = tmux.split(",");
  // The socket path may itself contain commas: the last two fields are the pid and the session index.
  const pidText = parts.length >= 3 ? parts[parts.length - 2]! : "";
  const socketPath = parts.length >= 3 ? parts.slice(0, -2).join(",") : (parts[0] ?? "");
  return { socketPath, pid: /^\d{1,10}$/.test(pidText) ? Number(pidText) : null };
};

/**
 * The channel server: listens on a unix socket, serves one MCP session per pane (plus embedder and hook
 * connections), and is the `ChannelPort` the runtime pushes through.
 */
export interface ChannelServer {
  /** Prepare the socket path and start accepting connections. */
  listen(): Promise<E.Either<ChannelServerError, { readonly socketPath: string }>>;
  readonly channel: ChannelPort;
  /** Close every session and the listener, and remove the socket file. Idempotent. */
  close(): Promise<void>;
  sessions(): readonly SessionInfo[];
  /** The attached embedder sessions (not in `sessions()`: they have no pane session). */
  embedders(): readonly EmbedderSessionInfo[];
  /**
   * Closes the pane sessions a listing of the fleet shows are not their
   * pane's any more: the pane id now names another process (the pane died
   * and its id was reused), or the listing comes from another tmux server
   * than the one the session's hello named. A listing taken before the
   * hello (still on its way meanwhile) can name the pane's earlier process:
   * another pid is checked with tmux now (`readLive`) before the session is
   * closed. A session admitted before its pane's pid was known records it
   * from this listing. Resolves to the panes whose sessions were closed; a
   * closed attached session is reported `detached` (the first mate's: the
   * first mate is gone).
   */
  closeReplacedSessions(panes: readonly ListedPane[]): Promise<readonly PaneId[]>;
}

/** One pane of a fleet listing, as `closeReplacedSessions` reads it. */
export interface ListedPane {
  readonly paneId: string;
  readonly pid: number | null;
  readonly tmuxServer?: TmuxServerIdentity | undefined;
}

interface Session {
  readonly hello: PaneHello;
  readonly socket: Socket;
  readonly mcp: McpServer;
  readonly transport: SocketTransport;
  readonly connectedAt: number;
  /** The pane's pid when admitted; filled in by the first listing that shows it when unknown then. */
  panePid: number | null;
  attached: boolean;
  firstMate: boolean;
  ended: boolean;
  /** The spawn token hash this connection proved (by the token, or by its resume secret); null: not (yet). */
  provenTokenHash: string | null;
  /** The proven token hash, proving deferred credentials against the marker now. */
  readonly proven: () => Promise<string | null>;
}

/** What a pane hello proves about the first mate. */
type Proof =
  | { readonly kind: "proven"; readonly tokenHash: string; readonly grant: string | null }
  | { readonly kind: "unproven" }
  | { readonly kind: "refused"; readonly error: HelloError };

const canonicalPath = (path: string): string => {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
};

const readMarker = async (host: ToolHost): Promise<E.Either<unknown, Marker | null>> => {
  try {
    return E.right(await host.firstMateMarker());
  } catch (error) {
    return E.left(error);
  }
};

/** See the module header. */
export const createChannelServer = (options: ChannelServerOptions): ChannelServer => {
  const { socketPath, host } = options;
  const instructions = options.instructions ?? DEFAULT_INSTRUCTIONS;
  const helloTimeoutMs = options.helloTimeoutMs ?? 5_000;
  const maxFrameBytes = options.maxFrameBytes ?? MAX_FRAME_BYTES;
  const serverInfo = { name: options.name ?? "first-mate", version: options.version ?? "0.1.0" };
  const maxSessions = options.maxSessions ?? 512;
  const maxPendingConnections = options.maxPendingConnections ?? 64;
  const maxEmbedders = options.maxEmbedders ?? 16;
  const credentialWaitMs = options.credentialWaitMs ?? 5_000;

  const claims = options.claims ?? defaultClaimStoreFor(host);
  const expectedTmux = options.tmuxSocketPath === undefined ? null : canonicalPath(options.tmuxSocketPath);
  /** Claims are decided one at a time: two hellos racing with one token cannot both consume it. */
  let claimQueue: Promise<unknown> = Promise.resolve();
  const serially = <T>(work: () => Promise<T>): Promise<T> => {
    const next = claimQueue.then(work, work);
    claimQueue = next.catch(() => undefined);
    return next;
  };
  /** Spawn token hashes whose conflict was already raised (one alert per token; the newest few kept). */
  const conflictsRaised: string[] = [];
  const sessionsByPane = new Map<PaneId, Session>();
  const pendingSockets = new Set<Socket>();
  const embedderSessions = new Set<EmbedderSession>();
  const listeners = new Set<(event: ChannelEvent) => void>();
  let netServer: NetServer | null = null;
  let socketInode: number | null = null;
  let releaseLock: ReleaseSocketLock | null = null;
  let closing = false;

  const publish = (event: ChannelEvent): void => {
    for (const listener of [...listeners]) {
      try {
        listener(event);
      } catch {
        // a listener's failure is its own; other listeners still hear the event
      }
    }
  };

  const refuse = (socket: Socket, error: HelloError): void => {
    pendingSockets.delete(socket);
    if (socket.writable) socket.end(serializeHelloRefusal(error));
    setTimeout(() => socket.destroy(), 200).unref();
  };

  /** Teardown of one session: only the current holder of the pane leaves the map. */
  const teardown = (session: Session): void => {
    if (session.ended) return;
    session.ended = true;
    const pane = session.hello.pane;
    if (sessionsByPane.get(pane) === session) {
      sessionsByPane.delete(pane);
      if (session.attached) publish({ type: "detached", paneId: pane });
    }
    session.socket.destroy();
    session.mcp.close().catch(() => undefined);
  };

  /**
   * The server to judge a hello from `pane` against, and the pane's pid: the
   * server as last listed, else read from tmux now (a hello before any
   * listing of the current server). A session's pane pid is read from tmux
   * now: the last listing may predate the pane's process (a spawn with an
   * environment respawns its pane, and its agent can say hello before the
   * next listing); as last listed only when tmux cannot be asked.
   */
  const judgedTmux = async (pane: PaneId, wantPanePid: boolean): Promise<JudgedTmux> => {
    const observed = options.observedTmux;
    const server = observed?.server() ?? null;
    const panePid = observed?.panePid(pane) ?? null;
    const readLive = observed?.readLive;
    if (readLive === undefined || (server !== null && !wantPanePid)) return { server, panePid, unreadable: false };
    const live = await readLive(pane).catch(() => null);
    if (live === null) return { server, panePid, unreadable: server === null };
    // A listing of another server than tmux runs now is stale: its pane pids say nothing of this one.
    if (server !== null && !sameTmuxServer(server, live.server)) return { server, panePid, unreadable: false };
    return { server: live.server, panePid: live.panePid ?? panePid, unreadable: false };
  };

  const wrongTmuxServer = (hello: { readonly tmux?: string | undefined }, judged: JudgedTmux): HelloError | null => {
    if (expectedTmux === null) return null;
    const named = hello.tmux === undefined ? null : parseTmuxEnvironment(hello.tmux);
    const socketOfHello = named?.socketPath;
    if (!socketOfHello || canonicalPath(socketOfHello) !== expectedTmux) {
      return {
        _tag: "HelloWrongTmuxServer",
        message: `this server watches the tmux server at ${expectedTmux}; the hello ${socketOfHello ? `names ${socketOfHello}` : "carries no $TMUX"}`,
      };
    }
    if (judged.unreadable) {
      return {
        _tag: "HelloWrongTmuxServer",
        message: `this server cannot read the tmux server at ${expectedTmux} now, so it cannot tell which server the hello names; try again`,
      };
    }
    // The same path may be served by a new server (kill-server, then a new one): the pid tells them apart.
    const observed = judged.server;
    if (observed === null || named?.pid === observed.pid) return null;
    return {
      _tag: "HelloWrongTmuxServer",
      message: `this server watches the tmux server at ${expectedTmux} with pid ${observed.pid}; the hello names ${named?.pid === null || named === null ? "no server pid" : `pid ${named.pid}`}, another server`,
    };
  };

  const prove = (hello: PaneHello, marker: Marker | null): Promise<Proof> =>
    serially(async (): Promise<Proof> => {
      if (marker === null || hello.pane !== marker.paneId) return { kind: "unproven" };
      const stored = await claims.read();
      const claim = stored !== null && stored.tokenHash === marker.tokenHash ? stored : null;
      if (hello.resume !== undefined) {
        if (claim !== null && secretMatches(hello.resume, claim.resumeHash)) {
          return { kind: "proven", tokenHash: marker.tokenHash, grant: null };
        }
        return {
          kind: "refused",
          error: { _tag: "HelloUnauthorized", message: "the resume secret is not the first mate's" },
        };
      }
      if (hello.token === undefined || !isFirstMate(hello.pane, hello.token, marker)) return { kind: "unproven" };
      if (claim !== null) {
        if (!conflictsRaised.includes(marker.tokenHash)) {
          conflictsRaised.push(marker.tokenHash);
          if (conflictsRaised.length > 16) conflictsRaised.shift();
          void host
            .identityConflict?.(hello.pane, "a second hello presented the spawn token after the first mate used it")
            .catch(() => undefined);
        }
        return {
          kind: "refused",
          error: {
            _tag: "HelloIdentityConflict",
            message: "this spawn token was already used by the first mate; it proves nothing now",
          },
        };
      }
      const resume = createResumeSecret();
      await claims.write({ tokenHash: marker.tokenHash, resumeHash: resume.hash });
      return { kind: "proven", tokenHash: marker.tokenHash, grant: hello.wantsResume ? resume.secret : null };
    });

  /**
   * The marker to prove `hello` against. A hello with credentials while
   * there is no marker yet (a host still reading its store, a first spawn
   * not yet stamped) waits for one a little, polling. Credentials for a pane
   * another marker names are proved later, on first use.
   */
  const markerFor = async (hello: PaneHello): Promise<Marker | null> => {
    const hasCredentials = hello.token !== undefined || hello.resume !== undefined;
    const deadline = Date.now() + (hasCredentials ? credentialWaitMs : 0);
    for (;;) {
      const marker = await readMarker(host);
      const current = E.isRight(marker) ? marker.right : null;
      if (current !== null || Date.now() >= deadline || closing) return current;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  const startSession = async (socket: Socket, hello: PaneHello, rest: Buffer): Promise<void> => {
    const pane = hello.pane;
    const judged = expectedTmux === null ? null : await judgedTmux(pane, true);
    const tmuxRefusal = judged === null ? null : wrongTmuxServer(hello, judged);
    if (tmuxRefusal !== null) {
      refuse(socket, tmuxRefusal);
      return;
    }
    if (!sessionsByPane.has(pane) && sessionsByPane.size >= maxSessions) {
      refuse(socket, { _tag: "HelloServerFull", message: `the server already serves ${maxSessions} pane sessions` });
      return;
    }
    const current = await markerFor(hello);
    if (closing || socket.destroyed) {
      pendingSockets.delete(socket);
      socket.destroy();
      return;
    }
    const proof = await prove(hello, current);
    if (proof.kind === "refused") {
      refuse(socket, proof.error);
      return;
    }
    const provenTokenHash = proof.kind === "proven" ? proof.tokenHash : null;
    // Credentials for a pane the marker does not name yet (a host still starting, a marker
    // not yet stamped) are proved later, on first use, against the marker then.
    const deferredProof = proof.kind === "unproven" && (hello.token !== undefined || hello.resume !== undefined);
    const incumbent = sessionsByPane.get(pane);
    if (incumbent && isProvenFirstMate(pane, incumbent.provenTokenHash, current) && provenTokenHash === null) {
      refuse(socket, {
        _tag: "HelloPaneHeld",
        message: `pane ${pane} is held by the verified first mate; an unverified connection cannot replace it`,
      });
      return;
    }
    if (closing || socket.destroyed) {
      pendingSockets.delete(socket);
      socket.destroy();
      return;
    }
    pendingSockets.delete(socket);

    const mcp = new McpServer(serverInfo, {
      capabilities: { experimental: { "claude/channel": {} }, tools: {} },
      instructions,
      jsonSchemaValidator: sharedSchemaValidator(),
    });
    let session: Session | null = null;
    let proving: Promise<string | null> | null = null;
    /** The proven token hash, proving deferred credentials once when the marker now names this pane. */
    const provenNow = async (): Promise<string | null> => {
      if (session === null) return provenTokenHash;
      const current = session;
      if (current.provenTokenHash !== null || !deferredProof) return current.provenTokenHash;
      proving ??= (async () => {
        const latest = await readMarker(host);
        const later = await prove(hello, E.isRight(latest) ? latest.right : null);
        proving = null;
        if (later.kind !== "proven") return null;
        current.provenTokenHash = later.tokenHash;
        if (later.grant !== null && !current.ended) socket.write(serializeResumeGrant(later.grant));
        if (current.attached && !current.firstMate && !current.ended && sessionsByPane.get(pane) === current) {
          current.firstMate = true;
          publish({ type: "attached", paneId: pane, firstMate: true });
        }
        return later.tokenHash;
      })();
      return proving;
    };
    registerChannelTools(mcp, host, { pane, proven: provenNow });
    if (proof.kind === "proven" && proof.grant !== null) socket.write(serializeResumeGrant(proof.grant));
    const transport = new SocketTransport(socket, { initialBytes: rest, maxFrameBytes });
    session = {
      hello,
      socket,
      mcp,
      transport,
      connectedAt: Date.now(),
      panePid: judged?.panePid ?? options.observedTmux?.panePid(pane) ?? null,
      attached: false,
      firstMate: false,
      ended: false,
      provenTokenHash,
      proven: provenNow,
    };

    // Replace whoever holds the pane now (re-read: another hello may have won the race meanwhile).
    const previous = sessionsByPane.get(pane);
    sessionsByPane.set(pane, session);
    if (previous) {
      previous.ended = true;
      if (previous.attached) publish({ type: "detached", paneId: pane });
      previous.socket.destroy();
      previous.mcp.close().catch(() => undefined);
    }

    mcp.server.onerror = () => undefined;
    mcp.server.onclose = () => teardown(session);
    mcp.server.oninitialized = () => {
      void (async () => {
        const marker = await readMarker(host);
        if (session.ended || sessionsByPane.get(pane) !== session) return;
        const proven = await provenNow();
        if (session.ended || sessionsByPane.get(pane) !== session) return;
        session.firstMate = E.isRight(marker) && isProvenFirstMate(pane, proven, marker.right);
        session.attached = true;
        publish({ type: "attached", paneId: pane, firstMate: session.firstMate });
      })();
    };
    try {
      await mcp.connect(transport);
    } catch {
      teardown(session);
    }
    if (transport.isClosed) teardown(session);
  };

  const acceptEmbedder = (socket: Socket, hello: Extract<Hello, { role: "embedder" }>, rest: Buffer): void => {
    const admitted = admitEmbedder(hello, options.embedder);
    if (E.isLeft(admitted)) {
      refuse(socket, admitted.left);
      return;
    }
    if (embedderSessions.size >= maxEmbedders) {
      refuse(socket, { _tag: "HelloServerFull", message: `the server already serves ${maxEmbedders} embedders` });
      return;
    }
    pendingSockets.delete(socket);
    if (closing || socket.destroyed) {
      socket.destroy();
      return;
    }
    // The session may end before this function returns (a peer already gone).
    let ended = false;
    let session: EmbedderSession | null = null;
    session = startEmbedderSession({
      socket,
      hello,
      rest,
      access: admitted.right,
      serverInfo,
      maxFrameBytes,
      onEnd: () => {
        ended = true;
        if (session) embedderSessions.delete(session);
      },
    });
    if (!ended) embedderSessions.add(session);
  };

  const onConnection = (socket: Socket): void => {
    if (closing || pendingSockets.size >= maxPendingConnections) {
      socket.destroy();
      return;
    }
    pendingSockets.add(socket);
    socket.on("error", () => undefined);
    const chunks: Buffer[] = [];
    let received = 0;
    let settled = false;
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      socket.off("data", onData);
      refuse(socket, { _tag: "HelloTimeout", message: `no hello line within ${helloTimeoutMs} ms` });
    }, helloTimeoutMs);
    timer.unref();
    const onData = (chunk: Buffer): void => {
      const newline = chunk.indexOf(0x0a);
      const usable = newline === -1 ? chunk.length : newline;
      chunks.push(chunk);
      if (received + usable > MAX_HELLO_BYTES) {
        settled = true;
        clearTimeout(timer);
        socket.off("data", onData);
        refuse(socket, { _tag: "HelloTooLong", message: `hello line exceeds ${MAX_HELLO_BYTES} bytes` });
        return;
      }
      received += chunk.length;
      if (newline === -1) return;
      settled = true;
      clearTimeout(timer);
      socket.off("data", onData);
      socket.pause();
      const all = Buffer.concat(chunks);
      const lineEnd = all.indexOf(0x0a);
      const line = all.subarray(0, lineEnd).toString("utf8").replace(/\r$/, "");
      const rest = all.subarray(lineEnd + 1);
      const hello = parseHello(line);
      if (E.isLeft(hello)) {
        refuse(socket, hello.left);
        return;
      }
      if (hello.right.role === "embedder") {
        acceptEmbedder(socket, hello.right, rest);
        return;
      }
      if (hello.right.role === "hook") {
        const hook = hello.right;
        void (async () => {
          const judged = expectedTmux === null ? null : await judgedTmux(hook.pane, false);
          const tmuxRefusal = judged === null ? null : wrongTmuxServer(hook, judged);
          if (tmuxRefusal !== null) {
            refuse(socket, tmuxRefusal);
            return;
          }
          await serveHookConnection(socket, hook, host);
        })().catch(() => {
          pendingSockets.delete(socket);
          socket.destroy();
        });
        return;
      }
      startSession(socket, hello.right, rest).catch(() => {
        pendingSockets.delete(socket);
        socket.destroy();
      });
    };
    socket.on("data", onData);
    socket.once("close", () => {
      clearTimeout(timer);
      pendingSockets.delete(socket);
    });
  };

  const channel: ChannelPort = {
    async emit(paneId: PaneId, content: string, meta: ChannelMeta): Promise<boolean> {
      try {
        if (typeof content !== "string" || E.isLeft(validateMeta(meta))) return false;
        const session = sessionsByPane.get(paneId);
        if (!session || session.ended || !session.attached) return false;
        const marker = await readMarker(host);
        if (E.isLeft(marker)) return false;
        const markedPane = marker.right?.paneId === paneId;
        if (markedPane && !isProvenFirstMate(paneId, await session.proven(), marker.right)) return false;
        if (session.ended || sessionsByPane.get(paneId) !== session) return false;
        await session.mcp.server.notification({ method: CHANNEL_NOTIFICATION_METHOD, params: { content, meta } });
        return true;
      } catch {
        return false;
      }
    },
    subscribe(listener: (event: ChannelEvent) => void): Unsubscribe {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
  };

  const listen = async (): Promise<E.Either<ChannelServerError, { readonly socketPath: string }>> => {
    if (netServer) {
      return E.left({ _tag: "ChannelSocketFailed", path: socketPath, message: "this server is already listening" });
    }
    closing = false;
    const directory = await ensurePrivateDirectory(dirname(socketPath));
    if (E.isLeft(directory)) return directory;
    const lock = await acquireSocketLock(socketPath);
    if (E.isLeft(lock)) return lock;
    const failed = async <L>(error: L): Promise<L> => {
      await lock.right();
      return error;
    };
    const prepared = await preparePrivateSocketPath(socketPath);
    if (E.isLeft(prepared)) return failed(prepared);
    const server = createServer(onConnection);
    const failure = await new Promise<Error | null>((resolve) => {
      server.once("error", resolve);
      server.listen(socketPath, () => {
        server.off("error", resolve);
        resolve(null);
      });
    });
    if (failure) {
      const code = (failure as { code?: string }).code;
      await lock.right();
      return E.left(
        code === "EADDRINUSE"
          ? { _tag: "ChannelSocketInUse", path: socketPath, message: `${socketPath} is already in use` }
          : { _tag: "ChannelSocketFailed", path: socketPath, message: failure.message },
      );
    }
    server.on("error", () => undefined);
    try {
      await chmod(socketPath, 0o600);
      socketInode = (await lstat(socketPath)).ino;
    } catch (error) {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await lock.right();
      return E.left({
        _tag: "ChannelSocketFailed",
        path: socketPath,
        message: error instanceof Error ? error.message : String(error),
      });
    }
    netServer = server;
    releaseLock = lock.right;
    return E.right({ socketPath });
  };

  const close = async (): Promise<void> => {
    closing = true;
    const server = netServer;
    netServer = null;
    for (const socket of pendingSockets) socket.destroy();
    pendingSockets.clear();
    for (const session of [...sessionsByPane.values()]) teardown(session);
    for (const session of [...embedderSessions]) session.close();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    if (socketInode !== null) {
      try {
        // Remove only the socket we created, never a successor's.
        if ((await lstat(socketPath)).ino === socketInode) await unlink(socketPath);
      } catch {
        // already gone
      }
      socketInode = null;
    }
    const release = releaseLock;
    releaseLock = null;
    await release?.();
  };

  const sessions = (): readonly SessionInfo[] =>
    [...sessionsByPane.values()].map((session) => ({
      paneId: session.hello.pane,
      role: session.hello.role,
      attached: session.attached,
      firstMate: session.firstMate,
      connectedAt: session.connectedAt,
      clientName: session.mcp.server.getClientVersion()?.name ?? null,
      panePid: session.panePid,
      tmuxServer: session.hello.tmux === undefined ? null : parseTmuxEnvironment(session.hello.tmux),
    }));

  const embedders = (): readonly EmbedderSessionInfo[] => [...embedderSessions].map((session) => session.info());

  const closeReplacedSessions = async (panes: readonly ListedPane[]): Promise<readonly PaneId[]> => {
    if (sessionsByPane.size === 0) return [];
    const server = panes.find((pane) => pane.tmuxServer !== undefined)?.tmuxServer ?? null;
    const byId = new Map(panes.map((pane) => [pane.paneId, pane]));
    const closed: PaneId[] = [];
    const otherPid: [PaneId, Session][] = [];
    for (const [paneId, session] of [...sessionsByPane]) {
      const named = session.hello.tmux === undefined ? null : parseTmuxEnvironment(session.hello.tmux).pid;
      const listed = byId.get(paneId);
      const otherServer = server !== null && named !== null && named !== server.pid;
      const otherProcess =
        listed !== undefined && listed.pid !== null && session.panePid !== null && listed.pid !== session.panePid;
      if (otherServer) {
        teardown(session);
        closed.push(paneId);
      } else if (otherProcess) {
        otherPid.push([paneId, session]);
      } else if (session.panePid === null && listed !== undefined && listed.pid !== null) {
        session.panePid = listed.pid;
      }
    }
    const readLive = options.observedTmux?.readLive;
    for (const [paneId, session] of otherPid) {
      // The listing may be older than the hello; tmux now says whether the pane still runs the session's process.
      const live = readLive === undefined ? null : await readLive(paneId).catch(() => null);
      if (live !== null && live.panePid === session.panePid) continue;
      if (sessionsByPane.get(paneId) !== session) continue;
      teardown(session);
      closed.push(paneId);
    }
    return closed;
  };

  return { listen, channel, close, sessions, embedders, closeReplacedSessions };
};
