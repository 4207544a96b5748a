/**
 * A unix-socket proxy in front of a PostgreSQL server that can hold back one
 * new connection's "ready for query" message, so a test can make the server
 * end that connection and deliver both messages to the client in one chunk:
 * the moment the pool hands a fresh connection over and, in the same read,
 * learns it is gone. Bytes pass through unchanged otherwise; the proxy
 * knows each open connection's backend pid, so a test terminates only its own.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A connection whose first ReadyForQuery is held: its backend pid, and `deliver` to send what was held at once. */
export interface HeldConnection {
  readonly backendPid: number;
  /** Resolves once the server has closed its side (after the backend was terminated). */
  readonly serverClosed: Promise<void>;
  /** Writes every held byte to the client in one write, then closes the client side. */
  deliver(): void;
}

export interface ReadyHoldingProxy {
  /** `url` with its host replaced by the proxy's socket directory. */
  readonly url: string;
  /** The next new connection is held at its first ReadyForQuery; resolves when it got there. */
  holdNext(): Promise<HeldConnection>;
  /** The backend pids of the client connections still open (a connection the client closed is gone). */
  backendPids(): number[];
  close(): Promise<void>;
}

/** The unix socket a `postgres:///db?host=/dir` URL (port 5432 unless given) points at. */
const serverSocketOf = (url: URL): string => {
  const directory = url.searchParams.get("host");
  if (directory === null || !directory.startsWith("/"))
    throw new Error("the proxy needs a unix-socket URL (?host=/dir)");
  return join(directory, `.s.PGSQL.${url.port || "5432"}`);
};

/** Starts a proxy for the server `url` names (a unix-socket URL). */
export const startReadyHoldingProxy = async (url: string): Promise<ReadyHoldingProxy> => {
  const target = new URL(url);
  const upstream = serverSocketOf(target);
  const directory = mkdtempSync(join(tmpdir(), "fm-pg-proxy-"));
  const sockets = new Set<Socket>();
  let armed: ((held: HeldConnection) => void) | null = null;
  /** The client connections still open, with their backend's pid once the server named it. */
  const live = new Set<{ pid: number }>();

  const server: Server = createServer((client) => {
    const backend = createConnection(upstream);
    sockets.add(client).add(backend);
    const entry = { pid: 0 };
    live.add(entry);
    client.on("close", () => live.delete(entry));
    const hold = armed;
    armed = null;
    client.on("error", () => backend.destroy());
    backend.on("error", () => client.destroy());
    client.on("data", (chunk) => backend.write(chunk));
    client.on("end", () => backend.end());
    let pending = Buffer.alloc(0);
    let held: Buffer | null = null;
    let passing = false;
    let serverEnded: () => void = () => undefined;
    const serverClosed = new Promise<void>((resolve) => {
      serverEnded = resolve;
    });
    backend.on("close", () => {
      serverEnded();
      if (held === null) client.end();
    });
    // Server messages are a type byte and a 4-byte length (which counts itself): read them until
    // the first ReadyForQuery ("Z") to learn the backend's pid ("K"); then either pass every byte
    // on, or, for a held connection, keep everything from that ReadyForQuery on.
    backend.on("data", (chunk: Buffer) => {
      if (passing) {
        client.write(chunk);
        return;
      }
      if (held !== null) {
        held = Buffer.concat([held, chunk]);
        return;
      }
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 5) {
        const type = String.fromCharCode(pending[0]!);
        const length = pending.readInt32BE(1);
        if (pending.length < 1 + length) return;
        if (type === "K") entry.pid = pending.readInt32BE(5);
        if (type === "Z" && hold !== null) {
          held = pending;
          pending = Buffer.alloc(0);
          hold({
            backendPid: entry.pid,
            serverClosed,
            deliver() {
              client.end(held ?? Buffer.alloc(0));
            },
          });
          return;
        }
        if (type === "Z") {
          passing = true;
          client.write(pending);
          pending = Buffer.alloc(0);
          return;
        }
        client.write(pending.subarray(0, 1 + length));
        pending = pending.subarray(1 + length);
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(join(directory, ".s.PGSQL.5432"), () => resolve());
  });

  const proxied = new URL(url);
  proxied.port = "";
  proxied.searchParams.set("host", directory);
  return {
    url: proxied.toString(),
    holdNext: () =>
      new Promise<HeldConnection>((resolve) => {
        armed = resolve;
      }),
    backendPids: () => [...live].map((entry) => entry.pid),
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(directory, { recursive: true, force: true });
    },
  };
};
