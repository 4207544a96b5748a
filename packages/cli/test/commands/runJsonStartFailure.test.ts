/**
 * `run --json` promises one RunLineJson per line on stdout. A start that
 * failed (here: a PostgreSQL store whose server is not there) printed a
 * plain-text line instead, which a reader of the stream cannot parse.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { RunLineJson } from "../../src/commands/jsonContract.js";
import { runCommand } from "../../src/commands/runCommand.js";
import { parseHostConfig } from "../../src/host/hostConfig.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const configWithAbsentServer = () => {
  const dir = mkdtempSync(join(tmpdir(), "fm-run-json-"));
  dirs.push(dir);
  const parsed = parseHostConfig({
    store: { kind: "postgres", url: `postgres:///postgres?host=${join(dir, "no-server")}` },
    stateDir: join(dir, "state"),
  });
  if (!parsed.ok) throw new Error(parsed.errors.join("; "));
  return parsed.config;
};

describe("run --json when the host cannot start", () => {
  it("run --json start failure is a JSON error line, not plain text", async () => {
    const lines: string[] = [];
    const code = await runCommand(configWithAbsentServer(), true, (line) => lines.push(line));
    expect(code).toBe(1);
    expect(lines).toHaveLength(1);
    const line = RunLineJson.parse(JSON.parse(lines[0]!));
    expect(line.type).toBe("error");
    expect(line.type === "error" && line.message).toMatch(/^store: StoreUnavailable: .*no server socket/);
  });

  it("without --json the same failure stays one readable line", async () => {
    const lines: string[] = [];
    const code = await runCommand(configWithAbsentServer(), false, (line) => lines.push(line));
    expect(code).toBe(1);
    expect(lines).toEqual([expect.stringMatching(/^first-mate: store: StoreUnavailable: /)]);
  });
});
