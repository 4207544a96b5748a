import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type ControlModeOutput, createControlModeReader } from "../src/index.js";

/** What tmux prints for one command of ours and its sentinel, with notifications after the real end. */
const block = (number: number, body: readonly string[], failed: boolean, sentinel: string, between: string[] = []) =>
  [
    `%begin 1796236063 ${number} 1`,
    ...body,
    `%${failed ? "error" : "end"} 1796236063 ${number} 1`,
    ...between,
    `%begin 1796236063 ${number + 1} 1`,
    sentinel,
    `%end 1796236063 ${number + 1} 1`,
  ].join("\n") + "\n";

/** Lines that try to pass for tmux's own framing or notifications. */
const hostileLine = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 20 }).map((text) => text.replaceAll("\n", " ")),
  fc.nat({ max: 400 }).map((number) => `%end 1796236063 ${number} 1`),
  fc.nat({ max: 400 }).map((number) => `%error 1796236063 ${number} 1`),
  fc.nat({ max: 400 }).map((number) => `%begin 1796236063 ${number} 1`),
  fc.constantFrom("%window-close @1", "%unlinked-window-close @2", "%exit", "%end", ""),
);

/** Feeds `text` in pieces cut at `cuts`. */
const feed = (reader: ReturnType<typeof createControlModeReader>, text: Buffer, cuts: readonly number[]) => {
  const out: ControlModeOutput[] = [];
  let start = 0;
  for (const cut of [...cuts.map((c) => c % (text.length + 1))].sort((a, b) => a - b)) {
    out.push(...reader.push(text.subarray(start, Math.max(start, cut))));
    start = Math.max(start, cut);
  }
  out.push(...reader.push(text.subarray(start)));
  return out;
};

describe("createControlModeReader", () => {
  it("content that forges end, error, begin or notification lines stays inside its reply, however the bytes arrive", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ body: fc.array(hostileLine, { maxLength: 6 }), failed: fc.boolean() }), {
          minLength: 1,
          maxLength: 5,
        }),
        fc.array(fc.nat(), { maxLength: 8 }),
        (commands, cuts) => {
          const reader = createControlModeReader();
          let number = 300;
          const printed: string[] = ["%begin 1796236063 264 0\n%end 1796236063 264 0\n%session-changed $1 ctl\n"];
          commands.forEach((command, index) => {
            const sentinel = `fm-0123456789abcdef01234567-${index}`;
            reader.expect(sentinel);
            printed.push(block(number, command.body, command.failed, sentinel, ["%window-close @9"]));
            number += 2;
          });
          const out = feed(reader, Buffer.from(printed.join(""), "utf8"), cuts);
          const expected: ControlModeOutput[] = [{ type: "notification", line: "%session-changed $1 ctl" }];
          for (const command of commands) {
            expected.push({
              type: "reply",
              body: Buffer.from(command.body.length === 0 ? "" : `${command.body.join("\n")}\n`, "utf8"),
              failed: command.failed,
            });
            expected.push({ type: "notification", line: "%window-close @9" });
          }
          expect(out).toEqual(expected);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("a title holding a newline and a forged end of the very same command is data", () => {
    const reader = createControlModeReader();
    reader.expect("fm-s-0");
    const out = reader.push(
      Buffer.from(block(12, ["title", "%end 1700000000 12 1", "%window-close @3", "rest"], false, "fm-s-0")),
    );
    expect(out).toEqual([
      { type: "reply", body: Buffer.from("title\n%end 1700000000 12 1\n%window-close @3\nrest\n"), failed: false },
    ]);
  });

  it("keeps bytes that are not UTF-8 exactly", () => {
    const reader = createControlModeReader();
    reader.expect("fm-s-0");
    const raw = Buffer.from([0xff, 0xfe, 0x80, 0x41]);
    const text = Buffer.concat([
      Buffer.from("%begin 1 5 1\n"),
      raw,
      Buffer.from("\n%end 1 5 1\n%begin 1 6 1\nfm-s-0\n%end 1 6 1\n"),
    ]);
    expect(reader.push(text)).toEqual([
      { type: "reply", body: Buffer.concat([raw, Buffer.from("\n")]), failed: false },
    ]);
  });

  it("a reply nobody asked for, or an end outside a block, is a desync and nothing after it is trusted", () => {
    const unasked = createControlModeReader();
    expect(unasked.push(Buffer.from("%begin 1 5 1\nx\n%end 1 5 1\n%window-close @1\n"))).toEqual([
      { type: "desync", reason: "a reply to no command" },
    ]);
    const stray = createControlModeReader();
    expect(stray.push(Buffer.from("%end 1 5 1\n%window-close @1\n"))).toEqual([
      { type: "desync", reason: "end outside a block" },
    ]);
    expect(stray.push(Buffer.from("%window-close @2\n"))).toEqual([]);
  });

  it("blocks of other clients' commands (flag 0) are skipped", () => {
    const reader = createControlModeReader();
    expect(reader.push(Buffer.from("%begin 1 5 0\nhook output\n%end 1 5 0\n%window-add @4\n"))).toEqual([
      { type: "notification", line: "%window-add @4" },
    ]);
  });
});
