/**
 * An MCP `Transport` over a connected stream socket (unix socket), framed as
 * newline-delimited JSON with the SDK's `deserializeMessage` / `serializeMessage`.
 *
 * Guarantees: `onclose` fires exactly once, whether the peer ends, the socket
 * errors or `close()` is called (the SDK's stdio transport never notices a
 * socket peer closing). A line that is not JSON gets a JSON-RPC parse error
 * (id null); valid JSON that is not JSON-RPC gets an invalid-request error
 * carrying its id when it has one. A frame longer than `maxFrameBytes` gets
 * one error and the connection is closed; nothing else is affected.
 * `send` resolves once the bytes are handed to the socket, and rejects when
 * they cannot be.
 *
 * Does not: reconnect, authenticate, or interpret messages beyond framing.
 */
import type { Socket } from "node:net";
import { deserializeMessage, serializeMessage } from "@modelcontextprotocol/sdk/shared/stdio.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { MAX_FRAME_BYTES } from "./limits.js";

const NEWLINE = 0x0a;
const PARSE_ERROR = -32700;
const INVALID_REQUEST = -32600;

/** Options of a socket transport: bytes already read after the hello, and the longest frame accepted. */
export interface SocketTransportOptions {
  /** Bytes already read from the socket (after a hello line) to process first. */
  readonly initialBytes?: Buffer;
  /** Longest accepted frame, in bytes; default 1 MiB. */
  readonly maxFrameBytes?: number;
}

/** The id of a JSON value that looks like a request, if it has a usable one. */
const requestIdOf = (line: string): string | number | null => {
  try {
    const value: unknown = JSON.parse(line);
    if (typeof value === "object" && value !== null && "id" in value) {
      const id = (value as { id: unknown }).id;
      if (typeof id === "string" || (typeof id === "number" && Number.isFinite(id))) return id;
    }
  } catch {
    // not JSON: the caller answers with a parse error
  }
  return null;
};

const isJson = (line: string): boolean => {
  try {
    JSON.parse(line);
    return true;
  } catch {
    return false;
  }
};

/** See the module header. One instance per connected socket. */
export class SocketTransport implements Transport {
  onclose?: (() => void) | undefined;
  onerror?: ((error: Error) => void) | undefined;
  onmessage?: ((message: JSONRPCMessage) => void) | undefined;

  private readonly maxFrameBytes: number;
  private pendingInitial: Buffer | undefined;
  /** Bytes of the current, not yet terminated line. */
  private partial: Buffer[] = [];
  private partialBytes = 0;
  private started = false;
  private closed = false;

  constructor(
    private readonly socket: Socket,
    options: SocketTransportOptions = {},
  ) {
    this.maxFrameBytes = options.maxFrameBytes ?? MAX_FRAME_BYTES;
    this.pendingInitial = options.initialBytes;
  }

  /** True once closed for any reason. */
  get isClosed(): boolean {
    return this.closed;
  }

  async start(): Promise<void> {
    if (this.started) throw new Error("SocketTransport already started");
    this.started = true;
    this.socket.on("data", this.onData);
    this.socket.on("end", this.onEnd);
    this.socket.on("close", this.onSocketClose);
    this.socket.on("error", this.onSocketError);
    if (this.socket.destroyed) {
      this.finish();
      return;
    }
    const initial = this.pendingInitial;
    this.pendingInitial = undefined;
    if (initial && initial.length > 0) this.onData(initial);
    this.socket.resume();
  }

  send(message: JSONRPCMessage): Promise<void> {
    return this.writeLine(serializeMessage(message));
  }

  async close(): Promise<void> {
    this.socket.destroy();
    this.finish();
  }

  private writeLine(line: string): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.closed || this.socket.destroyed || !this.socket.writable) {
        reject(new Error("socket closed"));
        return;
      }
      this.socket.write(line, (error) => (error ? reject(error) : resolve()));
    });
  }

  private readonly onData = (chunk: Buffer): void => {
    let start = 0;
    while (!this.closed && start < chunk.length) {
      const newline = chunk.indexOf(NEWLINE, start);
      const end = newline === -1 ? chunk.length : newline;
      const piece = chunk.subarray(start, end);
      this.partialBytes += piece.length;
      if (this.partialBytes > this.maxFrameBytes) {
        this.rejectOversizedFrame();
        return;
      }
      if (piece.length > 0) this.partial.push(piece);
      if (newline === -1) return;
      // A line that came in one chunk is read in place, not copied.
      const line = this.partial.length === 1 ? this.partial[0]! : Buffer.concat(this.partial);
      this.partial = [];
      this.partialBytes = 0;
      start = newline + 1;
      this.handleLine(line);
    }
  };

  private handleLine(line: Buffer): void {
    if (line.length === 0 || (line.length === 1 && line[0] === 0x0d)) return;
    // The SDK's own parse and schema check, as its ReadBuffer does, without copying the line into one first.
    const end = line[line.length - 1] === 0x0d ? line.length - 1 : line.length;
    let message: JSONRPCMessage;
    try {
      message = deserializeMessage(line.toString("utf8", 0, end));
    } catch (error) {
      this.answerMalformed(line.toString("utf8"), error);
      return;
    }
    this.onmessage?.(message);
  }

  private answerMalformed(text: string, cause: unknown): void {
    const json = isJson(text);
    const reason = cause instanceof Error ? cause.message.split("\n")[0] : String(cause);
    this.onerror?.(new Error(`malformed frame: ${reason}`));
    const reply = {
      jsonrpc: "2.0" as const,
      id: json ? requestIdOf(text) : null,
      error: json
        ? { code: INVALID_REQUEST, message: "Invalid Request: not a JSON-RPC 2.0 message" }
        : { code: PARSE_ERROR, message: "Parse error: frame is not JSON" },
    };
    this.writeLine(`${JSON.stringify(reply)}\n`).catch(() => undefined);
  }

  private rejectOversizedFrame(): void {
    const reply = {
      jsonrpc: "2.0" as const,
      id: null,
      error: { code: INVALID_REQUEST, message: `Frame exceeds ${this.maxFrameBytes} bytes; closing the connection` },
    };
    this.onerror?.(new Error(`frame exceeds ${this.maxFrameBytes} bytes`));
    this.partial = [];
    this.partialBytes = 0;
    if (this.socket.writable) this.socket.end(`${JSON.stringify(reply)}\n`);
    // Give the error line a moment to flush, then make sure the socket is gone.
    setTimeout(() => this.socket.destroy(), 100).unref();
    this.finish();
  }

  private readonly onEnd = (): void => {
    this.socket.destroy();
    this.finish();
  };

  private readonly onSocketClose = (): void => this.finish();

  private readonly onSocketError = (error: Error): void => {
    this.onerror?.(error);
    this.finish();
  };

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.off("data", this.onData);
    this.onclose?.();
  }
}
