/**
 * Where the channel socket lives unless `FIRST_MATE_SOCKET` says otherwise:
 * `$XDG_RUNTIME_DIR/first-mate/channel.sock`, else
 * `/tmp/first-mate-$UID/channel.sock`. Both directories are private to the
 * user (the server creates them 0700 and refuses them otherwise).
 */
import { join } from "node:path";

/** The environment variables the shim reads (`FIRST_MATE_SOCKET`, `XDG_RUNTIME_DIR`, …). */
export type ShimEnvironment = Readonly<Record<string, string | undefined>>;

/** Pure over its inputs: the default socket path for this environment and uid. */
export const defaultSocketPath = (env: ShimEnvironment, uid: number | undefined = process.getuid?.()): string => {
  const runtimeDir = env.XDG_RUNTIME_DIR;
  if (runtimeDir?.startsWith("/")) return join(runtimeDir, "first-mate", "channel.sock");
  return join("/tmp", `first-mate-${uid ?? "user"}`, "channel.sock");
};

/** `FIRST_MATE_SOCKET` when set, else the default. */
export const resolveSocketPath = (env: ShimEnvironment): string => env.FIRST_MATE_SOCKET || defaultSocketPath(env);
