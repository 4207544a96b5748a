/**
 * The check a client makes before it connects to the channel socket: the
 * socket's directory must be a real directory (not a symlink), owned by this
 * user, with no access for group or others. Another local user who creates
 * `/tmp/first-mate-$UID` first would otherwise receive hook payloads and the
 * first mate's hello.
 *
 * Imports only Node built-ins (the hook's start-up time is its whole cost).
 * Does not: protect against a process running as the same user (nothing
 * can; see docs/threat-model.md).
 */
import { lstatSync } from "node:fs";
import { dirname } from "node:path";

/** Why a socket directory was refused. */
export type SocketDirectoryRefusal =
  | { readonly _tag: "SocketDirectoryMissing"; readonly path: string; readonly message: string }
  | { readonly _tag: "SocketDirectoryInsecure"; readonly path: string; readonly message: string };

/**
 * `null` when the directory holding `socketPath` is private to `uid`, else
 * the reason to refuse it. Never throws.
 */
export const checkSocketDirectory = (
  socketPath: string,
  uid: number | undefined = process.getuid?.(),
): SocketDirectoryRefusal | null => {
  const path = dirname(socketPath);
  let info: ReturnType<typeof lstatSync>;
  try {
    info = lstatSync(path);
  } catch (error) {
    return {
      _tag: "SocketDirectoryMissing",
      path,
      message: `${path}: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
  if (!info.isDirectory()) {
    return { _tag: "SocketDirectoryInsecure", path, message: `${path} is not a directory` };
  }
  if (uid !== undefined && info.uid !== uid) {
    return { _tag: "SocketDirectoryInsecure", path, message: `${path} is owned by uid ${info.uid}, not ${uid}` };
  }
  if ((Number(info.mode) & 0o077) !== 0) {
    return {
      _tag: "SocketDirectoryInsecure",
      path,
      message: `${path} is accessible to group or others (mode ${(Number(info.mode) & 0o777).toString(8)})`,
    };
  }
  return null;
};
