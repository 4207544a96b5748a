/**
 * Why a channel server could not listen: typed, each with a message a person
 * can act on.
 */
export type ChannelServerError =
  /** The socket's directory is group/world accessible, not a directory, or owned by someone else. */
  | { readonly _tag: "ChannelSocketInsecure"; readonly message: string; readonly path: string }
  /** Another live server already answers on the socket path. */
  | { readonly _tag: "ChannelSocketInUse"; readonly message: string; readonly path: string }
  /** Anything else the OS refused (permissions, path too long, not a socket). */
  | { readonly _tag: "ChannelSocketFailed"; readonly message: string; readonly path: string };
