/**
 * An EmbedderHost that the channel server can hold before the runtime
 * exists (the runtime needs the server's channel port first): calls answer
 * "starting" until `bind`, listeners registered early hear everything after.
 *
 * Guarantees: never rejects; one subscription to the bound host fans out to
 * every listener, so a listener added before `bind` misses nothing raised
 * after it.
 */
import type { EmbedderHost, EmbedderNotice, ToolError } from "@first-mate/core";
import * as E from "fp-ts/lib/Either.js";

export interface LateEmbedderHost {
  readonly host: EmbedderHost;
  /** Route every call to `target`; returns the function that unbinds it. */
  bind(target: EmbedderHost): () => void;
}

const starting: ToolError = { _tag: "ToolFailed", message: "first-mate is starting; try again" };

export const createLateEmbedderHost = (): LateEmbedderHost => {
  let target: EmbedderHost | null = null;
  const listeners = new Set<(notice: EmbedderNotice) => void>();
  const fanOut = (notice: EmbedderNotice) => {
    for (const listener of [...listeners]) {
      try {
        listener(notice);
      } catch {
        // one listener's failure is its own
      }
    }
  };
  const when = <T>(call: (bound: EmbedderHost) => Promise<E.Either<ToolError, T>>) =>
    target === null ? Promise.resolve(E.left(starting)) : call(target);

  const host: EmbedderHost = {
    updateInputs: (input) => when((bound) => bound.updateInputs(input)),
    fleetDigest: () => when((bound) => bound.fleetDigest()),
    status: () => when((bound) => bound.status()),
    readLog: (input) => when((bound) => bound.readLog(input)),
    setKillSwitch: (on) => when((bound) => bound.setKillSwitch(on)),
    resetSupervisor: () => when((bound) => bound.resetSupervisor()),
    handOffConn: (input) => when((bound) => bound.handOffConn(input)),
    takeBackConn: () => when((bound) => bound.takeBackConn()),
    connStatus: () => when((bound) => bound.connStatus()),
    listProposals: (filter) => when((bound) => bound.listProposals(filter)),
    decideProposal: (decision) => when((bound) => bound.decideProposal(decision)),
    listRoleExtensions: (filter) => when((bound) => bound.listRoleExtensions(filter)),
    decideRoleExtension: (decision) => when((bound) => bound.decideRoleExtension(decision)),
    subscribe(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
  };
  return {
    host,
    bind(bound) {
      target = bound;
      const unsubscribe = bound.subscribe(fanOut);
      return () => {
        unsubscribe();
        if (target === bound) target = null;
      };
    },
  };
};
