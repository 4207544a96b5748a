/**
 * The store contract: one vitest suite that is the definition of the store
 * port. Every engine runs it (`@first-mate/store-sqlite`,
 * `@first-mate/store-postgres`), and so can an embedder's own store.
 *
 * It covers every method of the store port and the authority store port
 * (the interrupt tables and deferred spawns a restart reads back included),
 * retention, bad input (examples and a property: invalid input never throws
 * and never writes), corrupt rows (each read names the table), lease races
 * between two processes, concurrent writers (the outbox stays in sequence
 * order), durability when the writer is killed with SIGKILL mid-stream, and
 * the store-side invariants: every table bounded, a refused write changes
 * nothing, a host without the lease changes nothing.
 *
 * Each test gets a fresh store from the subject, with a clock it controls.
 */
import { afterEach, beforeEach, describe } from "vitest";
import type { StoreContractSubject } from "./storeContractSubject.js";
import { badInput } from "./suites/badInput.js";
import { durableTables } from "./suites/durableTables.js";
import { processes } from "./suites/processes.js";
import { retention } from "./suites/retention.js";
import { HOUR, roundTrips } from "./suites/roundTrips.js";
import { type ContractContext, runCleanups } from "./support.js";

/** Registers the whole contract suite for `subject` (call it at the top level of a test file). */
export const describeStoreContract = (subject: StoreContractSubject): void => {
  let current: ContractContext | null = null;
  const context = (): ContractContext => {
    if (current === null) throw new Error("the store contract's context is used outside a test");
    return current;
  };

  describe(`store contract: ${subject.name}`, () => {
    beforeEach(async () => {
      const cleanups: ContractContext["cleanups"] = [];
      const state = { clock: 100 * HOUR };
      const now = () => state.clock;
      const opened = await subject.open({ now });
      const ctx: ContractContext = {
        subject,
        get clock() {
          return state.clock;
        },
        set clock(value: number) {
          state.clock = value;
        },
        store: opened.store,
        location: opened.location,
        cleanups,
        async reopen() {
          const store = await subject.reopen(ctx.location, { now });
          cleanups.push(() => store.close());
          return store;
        },
      };
      cleanups.push(async () => {
        await opened.store.close();
        await subject.dispose?.(opened.location);
      });
      current = ctx;
    });

    afterEach(async () => {
      if (current !== null) await runCleanups(current.cleanups);
      current = null;
    });

    roundTrips(context);
    durableTables(context);
    retention(context);
    badInput(context);
    processes(context);
  });
};
