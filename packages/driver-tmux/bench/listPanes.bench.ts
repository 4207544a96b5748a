/**
 * Prints the listPanes bench: `npm run bench -w packages/driver-tmux`.
 * Target (docs/design.md, Targets): at 1000 panes, within 1.3× of the bare call and ≥ 50× faster
 * than per-pane polling.
 */
import { type ListPanesMeasurement, measureListPanes } from "./listPanesBench.js";

const sizes = [10, 100, 1000];
const results: ListPanesMeasurement[] = [];
for (const panes of sizes) {
  results.push(await measureListPanes({ panes, runs: 15, perPaneRuns: panes >= 1000 ? 1 : 3 }));
}

const pad = (value: string, width: number) => value.padStart(width);
console.log(
  "panes | listPanes() ms | bare list-panes ms | bare, driver format ms | per-pane polling ms | driver/bare | driver/bare same format | per-pane/driver",
);
console.log(
  "------|----------------|--------------------|------------------------|---------------------|-------------|-------------------------|----------------",
);
for (const r of results) {
  console.log(
    [
      pad(String(r.panes), 5),
      pad(r.driverMs.toFixed(2), 14),
      pad(r.bareMs.toFixed(2), 18),
      pad(r.bareSameFormatMs.toFixed(2), 22),
      pad(r.perPaneMs.toFixed(1), 19),
      pad(`${r.driverOverBare.toFixed(2)}×`, 11),
      pad(`${r.driverOverBareSameFormat.toFixed(2)}×`, 23),
      pad(`${r.perPaneOverDriver.toFixed(0)}×`, 15),
    ].join(" | "),
  );
}
const largest = results[results.length - 1];
if (largest) {
  const within = largest.driverOverBare <= 1.3;
  const faster = largest.perPaneOverDriver >= 50;
  console.log(
    `\ntarget (docs/design.md, Targets) at ${largest.panes} panes: driver/bare ${largest.driverOverBare.toFixed(2)}× (target ≤ 1.3×: ${within ? "met" : "MISSED"}; ` +
      `${largest.driverOverBareSameFormat.toFixed(2)}× of the bare call asking for the same fields), ` +
      `per-pane/driver ${largest.perPaneOverDriver.toFixed(0)}× (target ≥ 50×: ${faster ? "met" : "MISSED"})`,
  );
}
