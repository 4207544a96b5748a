/**
 * A raw client of the host's channel socket that has sent one `hello` line:
 * it collects the lines the server answers and tells whether the server
 * closed it. No MCP on top: the tests use it to see what the channel server
 * admits and when it closes a session.
 */
import { connect } from "node:net";

/** The client a `hello` left open. */
export interface HelloClient {
  /** Every line the server sent so far, without its newline. */
  readonly lines: readonly string[];
  /** Whether the server (or `destroy`) closed the connection. */
  isClosed(): boolean;
  /** Close the connection from this side. */
  destroy(): void;
}

/** Connect to `socketPath` and send `line` as the hello. */
export const sayHello = async (socketPath: string, line: Record<string, unknown>): Promise<HelloClient> => {
  const socket = connect(socketPath);
  const lines: string[] = [];
  let closed = false;
  let buffer = "";
  socket.on("data", (chunk) => {
    buffer += chunk.toString("utf8");
    for (let newline = buffer.indexOf("\n"); newline !== -1; newline = buffer.indexOf("\n")) {
      lines.push(buffer.slice(0, newline));
      buffer = buffer.slice(newline + 1);
    }
  });
  socket.on("error", () => undefined);
  socket.once("close", () => {
    closed = true;
  });
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  socket.write(`${JSON.stringify(line)}\n`);
  return { lines, isClosed: () => closed, destroy: () => socket.destroy() };
};
