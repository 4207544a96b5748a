/**
 * A raw socket to the channel server that collects the lines it receives,
 * for tests that speak below the SDK (bad hellos, garbage frames).
 */
import { connect, type Socket } from "node:net";

export interface RawConnection {
  readonly socket: Socket;
  /** Every complete line received so far. */
  readonly lines: string[];
  readonly closed: Promise<void>;
  isClosed(): boolean;
  write(text: string | Buffer): void;
  /** Wait until `count` lines arrived or the socket closed. */
  waitForLines(count: number): Promise<void>;
  destroy(): void;
}

export const openRaw = (socketPath: string): Promise<RawConnection> =>
  new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    const lines: string[] = [];
    let buffer = "";
    let closed = false;
    const waiters = new Set<() => void>();
    const wake = () => {
      for (const waiter of [...waiters]) waiter();
    };
    const closedPromise = new Promise<void>((resolveClosed) =>
      socket.once("close", () => {
        closed = true;
        wake();
        resolveClosed();
      }),
    );
    socket.on("data", (chunk) => {
      buffer += chunk.toString("utf8");
      let newline = buffer.indexOf("\n");
      while (newline !== -1) {
        lines.push(buffer.slice(0, newline));
        buffer = buffer.slice(newline + 1);
        newline = buffer.indexOf("\n");
      }
      wake();
    });
    socket.on("error", () => undefined);
    socket.once("connect", () =>
      resolve({
        socket,
        lines,
        closed: closedPromise,
        isClosed: () => closed,
        write: (text) => {
          if (!socket.destroyed) socket.write(text);
        },
        waitForLines: (count) =>
          new Promise<void>((done) => {
            const check = () => {
              if (lines.length >= count || closed) {
                waiters.delete(check);
                done();
              }
            };
            waiters.add(check);
            check();
          }),
        destroy: () => socket.destroy(),
      }),
    );
    socket.once("error", reject);
  });
