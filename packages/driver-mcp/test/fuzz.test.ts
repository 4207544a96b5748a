import type { PaneId } from "@first-mate/core";
import fc from "fast-check";
import * as E from "fp-ts/lib/Either.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AGENT_TOOLS, FIRST_MATE_TOOLS } from "../src/channelTools.js";
import { parseHello } from "../src/hello.js";
import { MAX_FRAME_BYTES } from "../src/limits.js";
import { type ChannelFixture, startChannelFixture } from "./support/channelFixture.js";
import { openRaw } from "./support/rawConnection.js";

const FIRST_MATE = "%1" as PaneId;
const TOKEN = "fuzz-token";
const TOOL_NAMES = [...AGENT_TOOLS, ...FIRST_MATE_TOOLS];

let fixture: ChannelFixture;
let witness: Awaited<ReturnType<ChannelFixture["connect"]>>;
beforeAll(async () => {
  fixture = await startChannelFixture();
  fixture.host.markFirstMate(FIRST_MATE, TOKEN);
  witness = await fixture.connect({ pane: "%1000001" }, "witness");
});
afterAll(async () => {
  await fixture.dispose();
});

const witnessStillWorks = async () => {
  const result = await witness.callTool({ name: "report", arguments: { message: "witness" } });
  expect(result.isError).toBeFalsy();
};

const noNewlines = (text: string) => text.replace(/[\n\r]/g, " ");
const pane = fc.oneof(
  fc.nat({ max: 100_000 }).map((n) => `%${n}`),
  fc.string({ maxLength: 12 }),
  fc.constant(""),
  fc.integer(),
);
const helloLine = fc.oneof(
  fc.string({ maxLength: 300, unit: "binary" }).map(noNewlines),
  fc.json({ maxDepth: 3 }).map(noNewlines),
  fc
    .record(
      {
        pane,
        token: fc.oneof(fc.string({ maxLength: 600 }), fc.integer(), fc.constant(null)),
        role: fc.oneof(fc.constantFrom("agent", "hook", "embedder", ""), fc.string({ maxLength: 8 }), fc.integer()),
        extra: fc.jsonValue({ maxDepth: 2 }),
      },
      { requiredKeys: [] },
    )
    .map((value) => noNewlines(JSON.stringify(value))),
  fc.string({ minLength: 4_097, maxLength: 6_000 }).map(noNewlines),
);

describe("fuzz", () => {
  it("random hello lines: bad ones get one error line and a close, good ones a working session", async () => {
    await fc.assert(
      fc.asyncProperty(helloLine, async (line) => {
        const raw = await openRaw(fixture.socketPath);
        try {
          raw.write(`${line}\n`);
          const parsed = parseHello(line);
          if (E.isLeft(parsed) || parsed.right.role === "embedder") {
            // This server has no embedder access configured: an embedder hello is refused too.
            await raw.closed;
            expect(raw.lines).toHaveLength(1);
            expect(JSON.parse(raw.lines[0]!).error.code).toBe(
              E.isLeft(parsed) ? parsed.left._tag : "HelloRoleUnsupported",
            );
          } else {
            raw.write(`${JSON.stringify({ jsonrpc: "2.0", id: "probe", method: "ping" })}\n`);
            await raw.waitForLines(1);
            expect(JSON.parse(raw.lines[0]!)).toEqual({ jsonrpc: "2.0", id: "probe", result: {} });
          }
        } finally {
          raw.destroy();
        }
      }),
      { numRuns: 2_000 },
    );
    await witnessStillWorks();
  }, 120_000);

  type Frame = { readonly line: string; readonly expect: { id: string | number | null; code?: number } | null };
  const frame = (index: number): fc.Arbitrary<Frame> =>
    fc.oneof(
      // garbage: not JSON at all
      fc
        .string({ minLength: 1, maxLength: 200, unit: "binary" })
        .map(noNewlines)
        .filter((text) => {
          if (text.trim() === "") return false;
          try {
            JSON.parse(text);
            return false;
          } catch {
            return true;
          }
        })
        .map((line) => ({ line, expect: { id: null, code: -32700 } })),
      // JSON with an id that is not JSON-RPC
      fc.jsonValue({ maxDepth: 2 }).map((junk) => ({
        line: JSON.stringify({ id: index, junk }),
        expect: { id: index, code: -32600 },
      })),
      // JSON-RPC requests for methods that do not exist
      fc
        .tuple(fc.string({ maxLength: 20 }), fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 2 })))
        .map(([method, params]) => ({
          line: JSON.stringify({ jsonrpc: "2.0", id: index, method: `fuzz/${method}`, params }),
          expect: { id: index, code: -32601 },
        })),
      // tools/call with random names and arguments: some response, never a crash
      fc
        .tuple(
          fc.oneof(fc.constantFrom(...TOOL_NAMES), fc.string({ maxLength: 10 })),
          fc.oneof(fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 })), fc.jsonValue()),
        )
        .map(([name, args]) => ({
          line: JSON.stringify({ jsonrpc: "2.0", id: index, method: "tools/call", params: { name, arguments: args } }),
          expect: { id: index },
        })),
      // random notifications: no answer expected
      fc.string({ maxLength: 20 }).map((method) => ({
        line: JSON.stringify({ jsonrpc: "2.0", method: `notifications/${method}` }),
        expect: null,
      })),
    );
  const frames = fc
    .integer({ min: 1, max: 12 })
    .chain((count) => fc.tuple(...Array.from({ length: count }, (_, i) => frame(i + 1))));

  it("random frames: every request gets a response, the session and the server survive", async () => {
    await fc.assert(
      fc.asyncProperty(frames, async (batch) => {
        const raw = await openRaw(fixture.socketPath);
        try {
          raw.write(`${JSON.stringify({ pane: "%500", token: "whatever" })}\n`);
          for (const item of batch) raw.write(`${item.line}\n`);
          raw.write(`${JSON.stringify({ jsonrpc: "2.0", id: "final", method: "ping" })}\n`);
          const expected = batch.filter((item) => item.expect !== null).length + 1;
          await raw.waitForLines(expected);
          const replies = raw.lines.map((line) => JSON.parse(line) as { id: unknown; error?: { code: number } });
          expect(raw.isClosed()).toBe(false);
          expect(replies).toHaveLength(expected);
          for (const item of batch) {
            if (!item.expect) continue;
            const { id, code } = item.expect;
            const reply = id === null ? replies.find((r) => r.id === null) : replies.find((r) => r.id === id);
            expect(reply).toBeDefined();
            if (code !== undefined) expect(reply?.error?.code).toBe(code);
          }
          expect(replies.find((r) => r.id === "final")).toEqual({ jsonrpc: "2.0", id: "final", result: {} });
        } finally {
          raw.destroy();
        }
      }),
      { numRuns: 500 },
    );
    await witnessStillWorks();
  }, 120_000);

  it("a huge frame after random traffic closes only that connection", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 2 * MAX_FRAME_BYTES }), fc.boolean(), async (extra, withNewline) => {
        const raw = await openRaw(fixture.socketPath);
        try {
          raw.write(`${JSON.stringify({ pane: "%501" })}\n`);
          raw.write(Buffer.alloc(MAX_FRAME_BYTES + extra, 0x61));
          if (withNewline) raw.write("\n");
          await raw.closed;
          expect(JSON.parse(raw.lines.at(-1)!).error.message).toContain("exceeds");
        } finally {
          raw.destroy();
        }
      }),
      { numRuns: 20 },
    );
    await witnessStillWorks();
  }, 120_000);

  it("random tool arguments from the first mate always come back as a tool result", async () => {
    const firstMate = await fixture.connect({ pane: FIRST_MATE, token: TOKEN }, "fuzz-first-mate");
    const field = fc.oneof(
      fc.string({ maxLength: 30 }),
      fc.string({ minLength: 1990, maxLength: 2010 }),
      fc.integer({ min: -5, max: 300 }),
      fc.constantFrom("info", "done", "need_human", "low", "high", "watch", "narrative", "standing_order", "%3", "%1"),
      fc.jsonValue({ maxDepth: 2 }),
    );
    const args = fc.record(
      {
        message: field,
        kind: field,
        severity: field,
        text: field,
        limit: field,
        pane: field,
        lines: field,
        junk: field,
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...TOOL_NAMES), args, async (name, input) => {
        const result = await firstMate.callTool({ name, arguments: input });
        expect(Array.isArray(result.content)).toBe(true);
        expect((result.content as unknown[]).length).toBeGreaterThan(0);
      }),
      { numRuns: 1_500 },
    );
    await witnessStillWorks();
  }, 120_000);
});
