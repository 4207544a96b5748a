/**
 * An isolated tmux server for benchmarks: a unique `-L` socket, `-f
 * /dev/null`, optionally pre-filled with panes running `sleep`, and a
 * `kill()` that waits for the server process to exit.
 */
import { rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";

export interface BenchTmuxServer {
  readonly socketName: string;
  tmux(args: readonly string[]): Promise<string>;
  kill(): Promise<void>;
}

const WINDOWS_PER_SESSION = 250;

export const startBenchTmuxServer = async (label: string, panes = 0): Promise<BenchTmuxServer> => {
  const socketName = `fm-bench-${label}-${process.pid}-${Date.now().toString(36)}`;
  const tmux = async (args: readonly string[]) =>
    (await execa("tmux", ["-u", "-f", "/dev/null", "-L", socketName, ...args], { env: { TMUX: undefined } })).stdout;
  const script = ["new-session -d -s bench-home -n home 'exec sleep 3600'"];
  for (let index = 0; index < panes; index++) {
    const session = `fleet${Math.floor(index / WINDOWS_PER_SESSION)}`;
    script.push(
      index % WINDOWS_PER_SESSION === 0
        ? `new-session -d -s ${session} -n w${index} 'exec sleep 3600'`
        : `new-window -d -t =${session}: -n w${index} 'exec sleep 3600'`,
    );
  }
  const file = join(tmpdir(), `${socketName}.conf`);
  await writeFile(file, `${script.join("\n")}\n`);
  await tmux(["start-server", ";", "source-file", file]);
  await rm(file, { force: true });
  const pid = Number(await tmux(["display-message", "-p", "#{pid}"]));
  return {
    socketName,
    tmux,
    async kill() {
      await execa("tmux", ["-L", socketName, "kill-server"], { reject: false });
      const alive = () => {
        try {
          process.kill(pid, 0);
          return true;
        } catch {
          return false;
        }
      };
      const deadline = Date.now() + 30_000;
      while (alive() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      if (alive()) process.kill(pid, "SIGKILL");
    },
  };
};
