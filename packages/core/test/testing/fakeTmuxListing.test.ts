/**
 * The fake tmux hands out the same listing array while its table holds the
 * same rows in the same order (`listing`, what a fake world's observations
 * carry): whatever was done to the table in between — through the fake's
 * own calls or by writing to `panes` directly — each listing holds exactly
 * the rows a fresh `listSync` holds, in its order.
 */
import fc from "fast-check";
import { describe, it } from "vitest";
import type { PaneObservation } from "../../src/domain/observation.js";
import { createFakeTmux, type FakeTmux } from "../../src/testing/fakeTmux.js";
import { cheapExpect } from "../cheapExpect.js";

/** Something done to a fake tmux's table, or a listing taken. */
type TableAction =
  | { readonly kind: "add"; readonly window: number }
  | {
      readonly kind: "killExternally" | "retitle" | "touch" | "delete" | "reset" | "copy" | "moveLast";
      readonly index: number;
    }
  | { readonly kind: "spawn" | "restartServer" | "killWindow" | "list" };

const actionArb: fc.Arbitrary<TableAction> = fc.oneof(
  fc.record({ kind: fc.constant("add" as const), window: fc.nat(3) }),
  fc.record({
    kind: fc.constantFrom(
      "killExternally" as const,
      "retitle" as const,
      "touch" as const,
      "delete" as const,
      "reset" as const,
      "copy" as const,
      "moveLast" as const,
    ),
    index: fc.nat(7),
  }),
  fc.record({ kind: fc.constantFrom("spawn" as const, "restartServer" as const, "killWindow" as const) }),
  { arbitrary: fc.constant({ kind: "list" as const }), weight: 3 },
);

/** The id of the pane at `index` (modulo the table's size), if any. */
const paneAt = (tmux: FakeTmux, index: number): string | undefined => {
  const ids = [...tmux.panes.keys()];
  return ids.length === 0 ? undefined : ids[index % ids.length];
};

const act = (tmux: FakeTmux, action: TableAction, tick: () => void): void => {
  const id = "index" in action ? paneAt(tmux, action.index) : undefined;
  const row = id === undefined ? undefined : tmux.panes.get(id);
  switch (action.kind) {
    case "add":
      tmux.addPane({ command: "claude", windowName: `w${action.window}` });
      break;
    case "spawn":
      tmux.spawnSync({ session: "bridge", window: "first-mate", argv: ["claude"], env: {} });
      break;
    case "restartServer":
      tmux.restartServer();
      break;
    case "killWindow":
      void tmux.killWindow("work:w1");
      break;
    case "killExternally":
      if (id !== undefined) tmux.killPaneExternally(id);
      break;
    case "retitle":
      if (id !== undefined) tmux.setTitle(id, "renamed");
      break;
    case "touch":
      tick();
      if (id !== undefined) tmux.touch(id);
      break;
    case "delete":
      if (id !== undefined) tmux.panes.delete(id);
      break;
    // The same row written back in place: the table is unchanged.
    case "reset":
      if (id !== undefined && row !== undefined) tmux.panes.set(id, row);
      break;
    // An equal row, as a new object, in place.
    case "copy":
      if (id !== undefined && row !== undefined) tmux.panes.set(id, { ...row });
      break;
    // The same row taken out and put back: the same rows, in another order.
    case "moveLast":
      if (id !== undefined && row !== undefined) {
        tmux.panes.delete(id);
        tmux.panes.set(id, row);
      }
      break;
    case "list":
      break;
  }
};

const sameRows = (listing: readonly PaneObservation[], fresh: readonly PaneObservation[]): boolean =>
  listing.length === fresh.length && listing.every((row, index) => row === fresh[index]);

describe("the fake tmux's listing", () => {
  it("holds, whenever it is taken, the rows listSync lists in the same order, as the same array while they are unchanged", () => {
    fc.assert(
      fc.property(fc.array(actionArb, { maxLength: 30 }), (actions) => {
        let now = 0;
        const tmux = createFakeTmux(() => now);
        let last: readonly PaneObservation[] | null = null;
        for (const action of actions) {
          act(tmux, action, () => {
            now += 1;
          });
          if (action.kind !== "list") continue;
          const listing = tmux.listing();
          const fresh = tmux.listSync();
          cheapExpect(sameRows(listing, fresh), () => JSON.stringify({ listing, fresh })).toBe(true);
          // Unchanged rows are the same array: the shortcut the world's observations take.
          if (last !== null && sameRows(last, fresh)) cheapExpect(listing === last).toBe(true);
          last = listing;
        }
      }),
      { numRuns: 1000 },
    );
  });
});
