/**
 * Size limits of the channel protocol (the defaults in docs/design.md, Channel server and tools). One place, so the
 * server, the transport, the shim and the tests agree.
 */

/** A hello line, without its newline, is at most this many bytes. */
export const MAX_HELLO_BYTES = 4 * 1024;

/** One JSON-RPC frame (a line, without its newline) is at most this many bytes. */
export const MAX_FRAME_BYTES = 1024 * 1024;
