/**
 * The installer's write survives a crash: the new settings file is fsynced
 * before it is renamed over the old one, and the directory holding it is
 * fsynced after the rename (without that, the rename itself may be lost).
 * Observed for real: the CLI, as a user runs it, under `strace`, which
 * records each fsync with the path of the file descriptor it syncs (`-y`).
 */
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";

const require = createRequire(import.meta.url);
const BIN = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "src", "bin.ts");

let dir: string | null = null;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = null;
});

/** Runs the CLI under strace; resolves to its exit code and the trace lines. */
const traced = (args: readonly string[], tracePath: string): Promise<{ code: number | null; trace: string[] }> =>
  new Promise((resolve, reject) => {
    const child = spawn(
      "strace",
      [
        "-f",
        "-qq",
        "-y",
        "-e",
        "trace=rename,renameat,renameat2,fsync,fdatasync",
        "-o",
        tracePath,
        process.execPath,
        "--conditions=@first-mate/source",
        "--import",
        require.resolve("tsx"),
        BIN,
        ...args,
      ],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    let stderr = "";
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.once("error", reject);
    child.once("exit", async (code) => {
      try {
        const trace = (await readFile(tracePath, "utf8")).split("\n");
        resolve({ code, trace });
      } catch (error) {
        reject(new Error(`no trace (${stderr.trim()}): ${String(error)}`));
      }
    });
  });

describe("install-hooks writes durably", () => {
  it("fsyncs the new file before the rename and the directory after it", async () => {
    dir = await mkdtemp(join(tmpdir(), "fm-fsync-"));
    const settingsDir = join(dir, "claude");
    await mkdir(settingsDir, { mode: 0o700 });
    const settings = join(settingsDir, "settings.json");
    await writeFile(settings, JSON.stringify({ theme: "dark" }), { mode: 0o600 });

    const { code, trace } = await traced(
      ["install-hooks", "--settings", settings, "--command", "true # first-mate-hook"],
      join(dir, "trace.txt"),
    );
    expect(code).toBe(0);
    expect(JSON.parse(await readFile(settings, "utf8")).theme).toBe("dark");

    const renamed = trace.findIndex((line) => /rename(at2?)?\(/.test(line) && line.includes(`${settings}"`));
    expect(renamed, trace.join("\n")).toBeGreaterThan(-1);
    const fileSynced = trace.findIndex((line) => /f(data)?sync\(\d+<[^>]*\.first-mate\.tmp>/.test(line));
    const directorySynced = trace.findIndex(
      (line, index) => index > renamed && new RegExp(`f(data)?sync\\(\\d+<${settingsDir}>`).test(line),
    );
    expect(fileSynced, trace.join("\n")).toBeGreaterThan(-1);
    expect(fileSynced).toBeLessThan(renamed);
    expect(directorySynced, trace.join("\n")).toBeGreaterThan(renamed);
  }, 60_000);
});
