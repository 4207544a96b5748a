/**
 * Where the store lives when the embedder does not say:
 * `$XDG_STATE_HOME/first-mate/first-mate.db`, else
 * `~/.local/state/first-mate/first-mate.db`. The database is state (it
 * changes as first-mate runs and is not meant to be edited by hand), not
 * configuration, so it does not go under `$XDG_CONFIG_HOME`.
 * Pure: reads only its arguments.
 */
import { homedir } from "node:os";
import { isAbsolute, join } from "node:path";

/**
 * The default database path. An empty or relative `XDG_STATE_HOME` is
 * ignored, as the XDG base directory specification asks.
 *
 * @param env - the environment to read `XDG_STATE_HOME` from; default `process.env`
 * @param home - the home directory; default `os.homedir()`
 * @returns an absolute path ending in `first-mate/first-mate.db`
 */
export const defaultStorePath = (
  env: Readonly<Record<string, string | undefined>> = process.env,
  home: string = homedir(),
): string => {
  const configured = env.XDG_STATE_HOME;
  const stateHome = configured !== undefined && isAbsolute(configured) ? configured : join(home, ".local", "state");
  return join(stateHome, "first-mate", "first-mate.db");
};

/**
 * Where versions before 0.2 kept the database by default
 * (`$XDG_CONFIG_HOME/first-mate/first-mate.db`, else `~/.config/…`). Only
 * read to tell a user who upgrades where their old file is.
 *
 * @param env - the environment to read `XDG_CONFIG_HOME` from; default `process.env`
 * @param home - the home directory; default `os.homedir()`
 */
export const legacyStorePath = (
  env: Readonly<Record<string, string | undefined>> = process.env,
  home: string = homedir(),
): string => {
  const configured = env.XDG_CONFIG_HOME;
  const configHome = configured !== undefined && isAbsolute(configured) ? configured : join(home, ".config");
  return join(configHome, "first-mate", "first-mate.db");
};
