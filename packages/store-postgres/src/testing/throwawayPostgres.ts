/**
 * A throwaway PostgreSQL cluster for tests and benchmarks: `initdb` and
 * `pg_ctl` on a fresh temporary directory, listening only on a unix socket
 * in that directory (no TCP port), as a non-root user (`runuser -u
 * postgres --` when run as root: the server refuses to run as root).
 *
 * Guarantees: `stop()` stops the server (waiting for it) and removes the
 * directory, and is idempotent; a failed start removes what it created and
 * says why (with the server log). `restart()` and `kill()` let a test take
 * the server away under running clients. Not for production: authentication
 * is `trust` and nothing is tuned.
 */
import { execFile } from "node:child_process";
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** A PostgreSQL cluster of its own for a test: its connection URL and `stop()`, which removes it. */
export interface ThrowawayPostgres {
  /** The temporary directory holding data, socket and log. */
  readonly root: string;
  /** `postgres:///postgres?host=<socket dir>&user=postgres`. */
  readonly url: string;
  /** The socket directory. */
  readonly socketDirectory: string;
  /** The data directory. */
  readonly dataDirectory: string;
  /** A URL for the same server with another database (created by `createDatabase`). */
  urlFor(database: string): string;
  /** Creates a database (plain identifier) and returns its URL. */
  createDatabase(name: string): Promise<string>;
  /** Fast shutdown and start again, waiting until it accepts connections. */
  restart(): Promise<void>;
  /** Stops the server (fast shutdown); `start()` brings it back on the same data. */
  stopServer(): Promise<void>;
  start(): Promise<void>;
  /** Stops the server and removes every file. Idempotent. */
  stop(): Promise<void>;
}

/** The directory holding `initdb`, `pg_ctl` and `postgres`: `$FIRST_MATE_PG_BIN`, Debian's newest, or the PATH. */
export const findPostgresBinaries = (env: NodeJS.ProcessEnv = process.env): string | null => {
  if (env.FIRST_MATE_PG_BIN && existsSync(join(env.FIRST_MATE_PG_BIN, "initdb"))) return env.FIRST_MATE_PG_BIN;
  const debianRoot = "/usr/lib/postgresql";
  if (existsSync(debianRoot)) {
    const versions = readdirSync(debianRoot)
      .filter((name) => /^\d+$/.test(name) && existsSync(join(debianRoot, name, "bin", "initdb")))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0] !== undefined) return join(debianRoot, versions[0], "bin");
  }
  for (const directory of (env.PATH ?? "").split(":")) {
    if (directory !== "" && existsSync(join(directory, "initdb")) && existsSync(join(directory, "pg_ctl"))) {
      return directory;
    }
  }
  return null;
};

const userIds = async (user: string): Promise<{ uid: number; gid: number }> => {
  const uid = Number((await run("id", ["-u", user])).stdout.trim());
  const gid = Number((await run("id", ["-g", user])).stdout.trim());
  return { uid, gid };
};

const chownTree = (path: string, uid: number, gid: number): void => {
  chownSync(path, uid, gid);
};

/**
 * Stops the server of a throwaway cluster started by another process (from
 * its `root`), and removes the directory. Never rejects.
 */
export const removeThrowawayPostgres = async (root: string): Promise<void> => {
  const bin = findPostgresBinaries();
  const dataDirectory = join(root, "data");
  if (bin !== null && existsSync(join(dataDirectory, "postmaster.pid"))) {
    const args = ["-D", dataDirectory, "-m", "fast", "-w", "-t", "60", "stop"];
    const asRoot = process.getuid?.() === 0;
    await (asRoot
      ? run("runuser", ["-u", "postgres", "--", join(bin, "pg_ctl"), ...args])
      : run(join(bin, "pg_ctl"), args)
    ).catch(() => undefined);
  }
  rmSync(root, { recursive: true, force: true });
};

/** How to start the throwaway cluster: server settings, the user it runs as, and where its directory goes. */
export interface ThrowawayPostgresOptions {
  /** Extra `-c name=value` server settings. */
  readonly settings?: Readonly<Record<string, string>>;
  /** The user the server runs as when this process is root; default `postgres`. */
  readonly serverUser?: string;
  /** Where the temporary directory goes; default the system temp dir. */
  readonly parentDirectory?: string;
}

/** Starts a fresh cluster. Rejects (after cleaning up) with the server log when it cannot. */
export const startThrowawayPostgres = async (options: ThrowawayPostgresOptions = {}): Promise<ThrowawayPostgres> => {
  const bin = findPostgresBinaries();
  if (bin === null) {
    throw new Error(
      "PostgreSQL server binaries not found (initdb, pg_ctl): install PostgreSQL (Debian: apt-get install -y postgresql) or set FIRST_MATE_PG_BIN",
    );
  }
  const root = mkdtempSync(join(options.parentDirectory ?? tmpdir(), "fm-pg-"));
  const dataDirectory = join(root, "data");
  const socketDirectory = join(root, "socket");
  const logFile = join(root, "server.log");
  mkdirSync(socketDirectory);
  const asRoot = process.getuid?.() === 0;
  const serverUser = options.serverUser ?? "postgres";
  const superuser = asRoot ? serverUser : (process.env.USER ?? "postgres");
  if (asRoot) {
    const { uid, gid } = await userIds(serverUser);
    chownTree(root, uid, gid);
    chownTree(socketDirectory, uid, gid);
  }
  const command = (file: string, args: readonly string[]) =>
    asRoot ? run("runuser", ["-u", serverUser, "--", join(bin, file), ...args]) : run(join(bin, file), [...args]);

  const settings = { listen_addresses: "''", unix_socket_directories: `'${socketDirectory}'`, ...options.settings };
  const serverOptions = Object.entries(settings)
    .map(([name, value]) => `-c ${name}=${value}`)
    .join(" ");
  const serverLog = (): string => (existsSync(logFile) ? readFileSync(logFile, "utf8").slice(-4000) : "(no log)");

  const start = async (): Promise<void> => {
    await command("pg_ctl", ["-D", dataDirectory, "-l", logFile, "-o", serverOptions, "-w", "-t", "60", "start"]);
  };
  const stopServer = async (): Promise<void> => {
    await command("pg_ctl", ["-D", dataDirectory, "-m", "fast", "-w", "-t", "60", "stop"]);
  };

  let removed = false;
  const remove = async (): Promise<void> => {
    if (removed) return;
    removed = true;
    if (existsSync(join(dataDirectory, "postmaster.pid"))) {
      await command("pg_ctl", ["-D", dataDirectory, "-m", "immediate", "-w", "-t", "60", "stop"]).catch(
        () => undefined,
      );
    }
    rmSync(root, { recursive: true, force: true });
  };

  try {
    await command("initdb", [
      "-D",
      dataDirectory,
      "-A",
      "trust",
      "-U",
      superuser,
      "-E",
      "UTF8",
      "--locale=C",
      "--no-instructions",
    ]);
    await start();
  } catch (cause) {
    const log = serverLog();
    await remove();
    throw new Error(
      `the throwaway PostgreSQL did not start: ${cause instanceof Error ? cause.message : String(cause)}\n${log}`,
    );
  }

  const urlFor = (database: string): string =>
    `postgres:///${encodeURIComponent(database)}?host=${encodeURIComponent(socketDirectory)}&user=${encodeURIComponent(superuser)}`;

  return {
    root,
    url: urlFor("postgres"),
    socketDirectory,
    dataDirectory,
    urlFor,
    async createDatabase(name) {
      if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`not a plain database name: ${name}`);
      await run(join(bin, "psql"), [
        "-v",
        "ON_ERROR_STOP=1",
        "-d",
        urlFor("postgres"),
        "-c",
        `CREATE DATABASE ${name}`,
      ]);
      return urlFor(name);
    },
    async restart() {
      await command("pg_ctl", [
        "-D",
        dataDirectory,
        "-l",
        logFile,
        "-o",
        serverOptions,
        "-m",
        "fast",
        "-w",
        "-t",
        "60",
        "restart",
      ]);
    },
    stopServer,
    start,
    stop: remove,
  };
};
