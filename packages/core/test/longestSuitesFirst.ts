import { relative } from "node:path";
import { BaseSequencer, type TestSpecification } from "vitest/node";
import { LONGEST_SUITES } from "./longestSuites.js";

const CORE_TESTS = "packages/core/test";

/**
 * The order in which test files are queued for the workers: vitest's own
 * (the longest of the last remembered run first), except that while a
 * file's duration is unknown the core's longest suites (longestSuites.ts)
 * lead the queue, longest first, so that neither worker is left running
 * one of them alone at the end. Only the order changes, never what runs.
 */
export class LongestSuitesFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const root = this.ctx.config.root;
    const durationKnown = (spec: TestSpecification) =>
      this.ctx.cache.getFileTestResults(`${spec.project.name}:${relative(root, spec.moduleId)}`) !== undefined;
    if (sorted.every(durationKnown)) return sorted;
    const rank = (spec: TestSpecification): number => {
      const index = LONGEST_SUITES.indexOf(relative(`${root}/${CORE_TESTS}`, spec.moduleId));
      return index === -1 ? LONGEST_SUITES.length : index;
    };
    // Array.prototype.sort is stable: the others keep vitest's order behind them.
    return sorted.sort((a, b) => rank(a) - rank(b));
  }
}
