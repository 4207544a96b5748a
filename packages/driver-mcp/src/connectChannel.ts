/**
 * Client side of the channel socket: connect, write the hello line, and hand
 * back a `SocketTransport` ready for an SDK `Client`. Used by tests, benches
 * and embedders that talk to the server in-process.
 *
 * Does not: reconnect (the shim does that for agents).
 */
import { connect } from "node:net";
import * as E from "fp-ts/lib/Either.js";
import { type HelloInput, serializeHello } from "./hello.js";
import { SocketTransport } from "./socketTransport.js";

/** The socket could not be reached or the hello was refused; the message says which. */
export type ConnectChannelError = { readonly _tag: "ChannelConnectFailed"; readonly message: string };

/** Where to connect, the hello to send, and how long to try. */
export interface ConnectChannelOptions {
  readonly socketPath: string;
  readonly hello: HelloInput;
  /** Give up connecting after this long; default 2000 ms. */
  readonly timeoutMs?: number;
}

/** Connect and send the hello; the transport is not started (the SDK starts it). */
export const connectChannel = (
  options: ConnectChannelOptions,
): Promise<E.Either<ConnectChannelError, SocketTransport>> =>
  new Promise((resolve) => {
    const socket = connect(options.socketPath);
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(E.left({ _tag: "ChannelConnectFailed", message: `timed out connecting to ${options.socketPath}` }));
    }, options.timeoutMs ?? 2_000);
    socket.once("error", (error) => {
      clearTimeout(timer);
      resolve(E.left({ _tag: "ChannelConnectFailed", message: error.message }));
    });
    socket.once("connect", () => {
      clearTimeout(timer);
      socket.removeAllListeners("error");
      socket.write(serializeHello(options.hello));
      resolve(E.right(new SocketTransport(socket)));
    });
  });
