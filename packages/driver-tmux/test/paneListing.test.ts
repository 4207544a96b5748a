import type { PaneObservation } from "@first-mate/core";
import fc from "fast-check";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { parsePaneListing, renderPaneListing } from "../src/index.js";
import { hostileString } from "./hostileArbitraries.js";
import { anyPaneId, listingRowFields } from "./listingRowArbitrary.js";

const observation: fc.Arbitrary<PaneObservation> = fc
  .record({
    ...listingRowFields(anyPaneId()),
    tmuxServer: fc.option(
      fc.record({
        pid: fc.integer({ min: 1, max: 4_000_000 }),
        startedAt: fc.nat({ max: 4_000_000_000 }).map((seconds) => seconds * 1000),
      }),
      { nil: undefined },
    ),
  })
  .map(({ tmuxServer, ...pane }) => (tmuxServer === undefined ? pane : { ...pane, tmuxServer }) as PaneObservation);

describe("parsePaneListing", () => {
  it("round-trips any rows, whatever their names contain", () => {
    fc.assert(
      fc.property(fc.array(observation, { maxLength: 20 }), (panes) => {
        expect(parsePaneListing(renderPaneListing(panes))).toEqual(E.right(panes));
      }),
      { numRuns: 300 },
    );
  });

  it("leaves out hidden sessions only", () => {
    fc.assert(
      fc.property(fc.array(observation, { maxLength: 10 }), hostileString(), (panes, hidden) => {
        expect(parsePaneListing(renderPaneListing(panes), new Set([hidden]))).toEqual(
          E.right(panes.filter((pane) => pane.session !== hidden)),
        );
      }),
    );
  });

  it("never throws on arbitrary bytes: a listing is either fully read or a TmuxOutputInvalid", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const parsed = parsePaneListing(Buffer.from(bytes));
        if (E.isLeft(parsed)) expect(parsed.left._tag).toBe("TmuxOutputInvalid");
        else expect(bytes.length === 0 || parsed.right.length > 0).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it("a truncated or corrupted listing is TmuxOutputInvalid naming the row", () => {
    fc.assert(
      fc.property(fc.array(observation, { minLength: 1, maxLength: 5 }), fc.nat(), (panes, cut) => {
        const full = renderPaneListing(panes);
        const truncated = full.subarray(0, cut % full.length);
        const parsed = parsePaneListing(truncated);
        // A cut exactly at a row boundary is a shorter, valid listing; anywhere else it is invalid.
        const whole = panes.findIndex((_, rows) => renderPaneListing(panes.slice(0, rows)).length === truncated.length);
        if (whole !== -1) expect(parsed).toEqual(E.right(panes.slice(0, whole)));
        else expect(E.isLeft(parsed) && parsed.left._tag).toBe("TmuxOutputInvalid");
      }),
    );
    const badPid = parsePaneListing(Buffer.from("%1\t0\tx\t0\t1\t80\t24\t1\ts\t1\tw\t1\tt\t3\tcat\n"));
    expect(E.isLeft(badPid) && badPid.left).toMatchObject({
      _tag: "TmuxOutputInvalid",
      line: expect.stringContaining("%1"),
    });
    const badId = parsePaneListing(Buffer.from("1\t0\t5\t0\t1\t80\t24\t1\ts\t1\tw\t1\tt\t3\tcat\t0\t\t0\t\n"));
    expect(E.isLeft(badId)).toBe(true);
  });

  it("a dead pane without a pid parses with pid null", () => {
    expect(
      parsePaneListing(Buffer.from("%7\t2\t\t1\t1700000000\t80\t24\t\t\t1\ts\t1\tw\t0\t\t0\t\t0\t\t0\t\n")),
    ).toEqual(
      E.right([
        {
          paneId: "%7",
          session: "s",
          windowIndex: 2,
          windowName: "w",
          title: "",
          command: "",
          pid: null,
          dead: true,
          lastActivityAt: 1_700_000_000_000,
          width: 80,
          height: 24,
        },
      ]),
    );
  });

  it("every row names its tmux server (pid and start time)", () => {
    const row = (pane: string) =>
      `${pane}\t0\t42\t0\t1700000000\t80\t24\t4242\t1700000001\t1\ts\t1\tw\t0\t\t0\t\t0\t\t0\t\n`;
    const panes = parsePaneListing(Buffer.from(row("%1") + row("%2")));
    expect(E.isRight(panes) && panes.right.map((pane) => pane.tmuxServer)).toEqual([
      { pid: 4242, startedAt: 1_700_000_001_000 },
      { pid: 4242, startedAt: 1_700_000_001_000 },
    ]);
  });
});
