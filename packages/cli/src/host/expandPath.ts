/**
 * Expanding a path from a configuration file the way a shell would for the
 * two forms people write: a leading `~` (the user's home) and environment
 * variables (`$NAME` or `${NAME}`). Nothing else is interpreted: no globs,
 * no `~user`, no command substitution.
 *
 * Guarantees: a variable that is not set is an error naming it, never an
 * empty string (which would turn `$STATE/first-mate.db` into `/first-mate.db`).
 * Pure: reads only its arguments.
 */
import * as E from "fp-ts/lib/Either.js";

/** Where expansion reads from: the environment and the home directory. */
export interface PathEnvironment {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly home: string;
}

const VARIABLE = /\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))/g;

/**
 * Expand `~` and `$NAME` / `${NAME}` in `path`.
 *
 * @returns the expanded path, or a message naming the unset variable
 */
export const expandPath = (path: string, environment: PathEnvironment): E.Either<string, string> => {
  const missing: string[] = [];
  const substituted = path.replace(VARIABLE, (_match, braced: string | undefined, bare: string | undefined) => {
    const name = (braced ?? bare) as string;
    const value = environment.env[name];
    if (value === undefined || value === "") {
      missing.push(name);
      return "";
    }
    return value;
  });
  if (missing.length > 0)
    return E.left(`environment variable ${missing.map((name) => `$${name}`).join(", ")} is not set`);
  if (substituted === "~") return E.right(environment.home);
  if (substituted.startsWith("~/")) return E.right(`${environment.home}${substituted.slice(1)}`);
  return E.right(substituted);
};
