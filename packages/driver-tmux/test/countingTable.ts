/** A process table that counts the lookups made in it (to check that a rule walks no tree). */
import type { ProcessTable } from "../src/processTable.js";
/** `source` whose maps count the lookups made in them. */
export const countingTable = (source: ProcessTable): { table: ProcessTable; lookups: () => number } => {
  let count = 0;
  const counting = <K, V>(map: ReadonlyMap<K, V>): ReadonlyMap<K, V> =>
    new (class extends Map<K, V> {
      override get(key: K) {
        count += 1;
        return super.get(key);
      }
    })(map);
  return {
    table: {
      byPid: counting(source.byPid),
      childrenOf: counting(source.childrenOf),
      foregroundGroupOf: counting(source.foregroundGroupOf ?? new Map()),
    },
    lookups: () => count,
  };
};
