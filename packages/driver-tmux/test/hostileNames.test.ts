import { execa } from "execa";
import fc from "fast-check";
import * as E from "fp-ts/lib/Either.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { escapeFormat } from "../src/index.js";
import { hostileString } from "./hostileArbitraries.js";
import { createTestServer } from "./tmuxTestServer.js";

/** What tmux 3.3a stores for a requested session name: ":"/"." become "_", then vis(3) C-style/octal escaping. */
const tmuxSessionName = (requested: string): string => {
  const cStyle: Record<string, string> = {
    "\n": "\\n",
    "\r": "\\r",
    "\b": "\\b",
    "\u0007": "\\a",
    "\v": "\\v",
    "\t": "\\t",
    "\f": "\\f",
  };
  return [...requested.replace(/[:.]/g, "_")]
    .map((character) => {
      const code = character.codePointAt(0) ?? 0;
      if (character === "\\") return "\\\\";
      // C1 controls are not printable UTF-8 to tmux: each byte is escaped in octal.
      if (code >= 0x80 && code <= 0x9f)
        return [...Buffer.from(character, "utf8")].map((byte) => `\\${byte.toString(8)}`).join("");
      if (cStyle[character] !== undefined) return cStyle[character];
      if (code < 0x20 || code === 0x7f) return `\\${code.toString(8).padStart(3, "0")}`;
      return character;
    })
    .join("");
};

/** tmux 3.3a ignores a title holding a control character. */
const tmuxKeepsTitle = (title: string): boolean => !/[\u0000-\u001f\u007f-\u009f]/.test(title);

/**
 * The model above covers ASCII, C1 and plainly printable letters; for other
 * unicode, tmux's verdict depends on its width tables, so only the oracle
 * (one display-message per value) is asserted.
 */
const modelled = (value: string): boolean => /^[\u0000-\u009f\u00e9\u6f22\u{1f680}]*$/u.test(value);
describe("hostile names on a real tmux server", () => {
  const server = createTestServer();
  beforeAll(() => server.start());
  afterAll(() => server.stop());

  const oneValue = async (paneId: string, variable: string): Promise<string> => {
    const result = await execa(
      "tmux",
      ["-u", "-L", server.socketName, "display-message", "-p", "-t", paneId, `#{${variable}}`],
      {
        stripFinalNewline: false,
      },
    );
    return result.stdout.slice(0, -1);
  };

  it("listPanes returns session names, window names and titles exactly as tmux holds them", async () => {
    const driver = server.driver();
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({ session: hostileString({ minLength: 1 }), window: hostileString(), title: hostileString() }),
          {
            minLength: 1,
            maxLength: 4,
          },
        ),
        async (rows) => {
          run += 1;
          const created: { paneId: string; session: string; window: string; title: string }[] = [];
          try {
            for (const [index, row] of rows.entries()) {
              // A unique suffix keeps sessions distinct after tmux rewrites them.
              const session = `${row.session}~${run}-${index}`;
              const printed = await server.tmux([
                "new-session",
                "-d",
                "-P",
                "-F",
                "#{pane_id}",
                "-s",
                escapeFormat(session),
                "-n",
                escapeFormat(row.window),
                "--",
                "sleep",
                "3600",
              ]);
              const paneId = printed.trim();
              await server.tmux(["select-pane", "-t", paneId, "-T", "initial"]);
              await server.tmux(["select-pane", "-t", paneId, "-T", escapeFormat(row.title)]);
              created.push({ paneId, session, window: row.window, title: row.title });
            }
            const listed = await driver.listPanes();
            if (E.isLeft(listed)) throw new Error(JSON.stringify(listed.left));
            for (const pane of created) {
              const seen = listed.right.find((candidate) => candidate.paneId === pane.paneId);
              // Oracle: one value per tmux call cannot be mis-framed.
              expect(seen).toMatchObject({
                session: await oneValue(pane.paneId, "session_name"),
                windowName: await oneValue(pane.paneId, "window_name"),
                title: await oneValue(pane.paneId, "pane_title"),
              });
              if (modelled(pane.session)) expect(seen?.session).toBe(tmuxSessionName(pane.session));
              // Window names given to new-session -n are kept raw, control characters included.
              expect(seen?.windowName).toBe(pane.window);
              if (modelled(pane.title)) expect(seen?.title).toBe(tmuxKeepsTitle(pane.title) ? pane.title : "initial");
            }
          } finally {
            for (const pane of created) await server.tmux(["kill-pane", "-t", pane.paneId]).catch(() => undefined);
          }
        },
      ),
      { numRuns: 25 },
    );
    // Some 400 tmux processes: seconds on a quiet machine, past the default 30 s on a loaded one.
  }, 120_000);
});
