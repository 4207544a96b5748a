/**
 * Clients check before they connect: the shim, the Node hook and the Python
 * hook refuse a socket directory that another user owns, or that group or
 * others can reach. A listener planted in such a directory (as another local
 * user who created `/tmp/first-mate-$UID` first would) receives nothing.
 */
import { spawn } from "node:child_process";
import { chmod, chown, mkdir, mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runHook } from "../src/hook/runHook.js";
import { runShim } from "../src/shim/runShim.js";
import { checkSocketDirectory } from "../src/shim/socketDirectoryCheck.js";

const PYTHON_HOOK = fileURLToPath(new URL("../hook/first_mate_hook.py", import.meta.url));
const NOBODY = 65534;
const STOP = JSON.stringify({ hook_event_name: "Stop", session_id: "s-1" });

interface Planted {
  readonly socketPath: string;
  readonly server: Server;
  readonly sockets: Set<Socket>;
  connections: number;
}

let root: string;
const planted: Record<"foreign" | "groupOpen" | "private", Planted> = {} as never;

const plant = async (name: string, mode: number, owner: number | null): Promise<Planted> => {
  const directory = join(root, name);
  await mkdir(directory);
  const entry: Planted = {
    socketPath: join(directory, "channel.sock"),
    server: createServer(),
    sockets: new Set(),
    connections: 0,
  };
  entry.server.on("connection", (socket) => {
    entry.connections += 1;
    entry.sockets.add(socket);
    socket.on("error", () => undefined);
    socket.end();
  });
  await new Promise<void>((resolve) => entry.server.listen(entry.socketPath, resolve));
  await chmod(entry.socketPath, 0o777);
  await chmod(directory, mode);
  if (owner !== null) await chown(directory, owner, owner);
  return entry;
};

const runPythonHook = (socketPath: string): Promise<number | null> =>
  new Promise((resolve, reject) => {
    const child = spawn("python3", ["-I", "-S", PYTHON_HOOK], {
      env: { ...process.env, TMUX_PANE: "%2", FIRST_MATE_SOCKET: socketPath },
      stdio: ["pipe", "ignore", "ignore"],
    });
    child.once("error", reject);
    child.once("exit", resolve);
    child.stdin.end(STOP);
  });

const runNodeHook = (socketPath: string) => {
  const stdin = new PassThrough();
  stdin.end(STOP);
  return runHook({ stdin, env: { TMUX_PANE: "%2", FIRST_MATE_SOCKET: socketPath } });
};

const runShimBriefly = async (socketPath: string): Promise<string> => {
  const stdin = new PassThrough();
  const stderr = new PassThrough();
  let said = "";
  stderr.on("data", (chunk) => {
    said += chunk;
  });
  const exit = runShim({
    stdin,
    stdout: new PassThrough(),
    stderr,
    env: { TMUX_PANE: "%2", FIRST_MATE_TOKEN: "secret", FIRST_MATE_SOCKET: socketPath },
    startWaitMs: 300,
  });
  const stopper = setTimeout(() => stdin.end(), 600);
  await exit;
  clearTimeout(stopper);
  return said;
};

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "fm-sockdir-"));
  planted.foreign = await plant("foreign", 0o700, NOBODY);
  planted.groupOpen = await plant("group-open", 0o750, null);
  planted.private = await plant("private", 0o700, null);
});

afterAll(async () => {
  for (const entry of Object.values(planted)) {
    for (const socket of entry.sockets) socket.destroy();
    await new Promise<void>((resolve) => entry.server.close(() => resolve()));
  }
  await rm(root, { recursive: true, force: true });
});

describe("clients refuse a socket directory that is not private to this user", () => {
  it("this test runs as root, so it can hand a directory to another uid", () => {
    expect(process.getuid?.()).toBe(0);
  });

  it("checkSocketDirectory names the owner and the mode it refuses", () => {
    expect(checkSocketDirectory(planted.foreign.socketPath)?.message).toContain(`uid ${NOBODY}`);
    expect(checkSocketDirectory(planted.groupOpen.socketPath)?.message).toContain("mode 750");
    expect(checkSocketDirectory(planted.private.socketPath)).toBeNull();
  });

  for (const name of ["foreign", "groupOpen"] as const) {
    it(`the Python hook sends nothing into a ${name} directory and exits 0`, async () => {
      expect(await runPythonHook(planted[name].socketPath)).toBe(0);
      expect(planted[name].connections).toBe(0);
    });

    it(`the Node hook sends nothing into a ${name} directory`, async () => {
      expect((await runNodeHook(planted[name].socketPath)).kind).toBe("refused_socket");
      expect(planted[name].connections).toBe(0);
    });

    it(`the shim never connects to a ${name} directory, and says why`, async () => {
      const said = await runShimBriefly(planted[name].socketPath);
      expect(said).toContain("refusing the channel socket");
      expect(planted[name].connections).toBe(0);
    });
  }

  it("the same three clients do connect through a private directory (the check is not a blanket refusal)", async () => {
    expect(await runPythonHook(planted.private.socketPath)).toBe(0);
    expect((await runNodeHook(planted.private.socketPath)).kind).not.toBe("refused_socket");
    await runShimBriefly(planted.private.socketPath);
    expect(planted.private.connections).toBeGreaterThanOrEqual(3);
  });
});
