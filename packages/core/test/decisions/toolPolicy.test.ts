import { describe, expect, it } from "vitest";
import { decideNudge, decidePeek } from "../../src/decisions/toolPolicy.js";
import { digestOf, paneRow } from "../support.js";

const digest = digestOf([
  paneRow(1, { idleS: 600 }),
  paneRow(2, { idleS: 600, blocked: true }),
  paneRow(3, { idleS: 299 }),
  paneRow(4, { idleS: 300 }),
]);
const IDLE = 300_000;

describe("decidePeek", () => {
  it("allows any live worker in the digest", () => {
    expect(decidePeek(digest, "%9", "%1")).toEqual({ allowed: true });
    expect(decidePeek(digest, "%9", "%2")).toEqual({ allowed: true });
  });

  it("refuses the first mate's own pane and panes not in the fleet", () => {
    expect(decidePeek(digest, "%1", "%1")).toEqual({
      allowed: false,
      reason: "the first mate cannot peek at its own pane",
    });
    expect(decidePeek(digest, "%9", "%42")).toMatchObject({ allowed: false, reason: expect.stringContaining("%42") });
  });
});

describe("decideNudge", () => {
  it("allows only a clearly idle, unblocked worker", () => {
    expect(decideNudge(digest, "%9", "%1", IDLE)).toEqual({ allowed: true });
    expect(decideNudge(digest, "%9", "%4", IDLE)).toEqual({ allowed: true });
  });

  it("refuses a blocked worker, a busy one, an unknown pane and itself", () => {
    expect(decideNudge(digest, "%9", "%2", IDLE)).toMatchObject({
      allowed: false,
      reason: expect.stringContaining("waiting for a human"),
    });
    expect(decideNudge(digest, "%9", "%3", IDLE)).toMatchObject({
      allowed: false,
      reason: "%3 is not clearly idle (idle 299s < 300s)",
    });
    expect(decideNudge(digest, "%9", "%42", IDLE)).toMatchObject({ allowed: false });
    expect(decideNudge(digest, "%1", "%1", IDLE)).toEqual({
      allowed: false,
      reason: "the first mate cannot nudge itself",
    });
  });
});
