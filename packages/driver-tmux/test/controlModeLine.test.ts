import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseControlModeLine } from "../src/index.js";

describe("parseControlModeLine", () => {
  it("reads both close notifications as window closes", () => {
    expect(parseControlModeLine("%window-close @3")).toEqual({ type: "window-closed", windowId: "@3" });
    expect(parseControlModeLine("%unlinked-window-close @12")).toEqual({ type: "window-closed", windowId: "@12" });
  });

  it("reads both add notifications as window additions", () => {
    expect(parseControlModeLine("%window-add @4")).toEqual({ type: "window-added", windowId: "@4" });
    expect(parseControlModeLine("%unlinked-window-add @5")).toEqual({ type: "window-added", windowId: "@5" });
  });

  it("tells this client's command output from other blocks", () => {
    expect(parseControlModeLine("%begin 1795794397 310 1")).toEqual({ type: "block-begin", fromThisClient: true });
    expect(parseControlModeLine("%begin 1795794397 303 0")).toEqual({ type: "block-begin", fromThisClient: false });
    expect(parseControlModeLine("%end 1795794397 310 1")).toEqual({ type: "block-end", failed: false });
    expect(parseControlModeLine("%error 1795794397 310 1")).toEqual({ type: "block-end", failed: true });
    expect(parseControlModeLine("%exit server exited")).toEqual({ type: "exit", reason: "server exited" });
  });

  it("maps any other line to other, never throwing", () => {
    fc.assert(
      fc.property(fc.string(), (line) => {
        const parsed = parseControlModeLine(line);
        expect(["block-begin", "block-end", "window-added", "window-closed", "exit", "other"]).toContain(parsed.type);
      }),
    );
    expect(parseControlModeLine("%window-close not-an-id")).toEqual({ type: "other", line: "%window-close not-an-id" });
  });
});
