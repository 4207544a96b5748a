/**
 * Where the store lives when the embedder does not say:
 * `$XDG_CONFIG_HOME/first-mate/first-mate.db`, else
 * `~/.config/first-mate/first-mate.db`. Pure: reads only its arguments.
 */
import { homedir } from "node:os";
import { isAbsolute, join } from "node:path";

/**
 * The default database path. An empty or relative `XDG_CONFIG_HOME` is
 * ignored, as the XDG base directory specification asks.
 */
export const defaultStorePath = (
  env: Readonly<Record<string, string | undefined>> = process.env,
  home: string = homedir(),
): string => {
  const configured = env.XDG_CONFIG_HOME;
  const configHome = configured !== undefined && isAbsolute(configured) ? configured : join(home, ".config");
  return join(configHome, "first-mate", "first-mate.db");
};
