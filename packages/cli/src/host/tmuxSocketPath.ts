/**
 * The socket path of the tmux server the host watches, found the way tmux
 * finds it: `-S` as given, else `$TMUX_TMPDIR` (default `/tmp`) +
 * `tmux-<uid>/` + the `-L` name (default `default`). Hellos carry `$TMUX`,
 * whose first field is that path; the channel server refuses a hello from
 * another server.
 */
import { join } from "node:path";

/** Pure over its inputs: the socket path of the tmux server `tmux` names. */
export const tmuxSocketPathOf = (
  tmux: { readonly socketPath?: string | undefined; readonly socketName?: string | undefined },
  env: NodeJS.ProcessEnv = process.env,
  uid: number | undefined = process.getuid?.(),
): string => tmux.socketPath ?? join(env.TMUX_TMPDIR || "/tmp", `tmux-${uid ?? 0}`, tmux.socketName ?? "default");
