/**
 * The late-bound embedder host: every EmbedderHost method answers
 * "starting" before `bind`, forwards its arguments to the bound host after,
 * and goes back to "starting" once unbound; listeners added early hear
 * what the bound host reports.
 */
import type { EmbedderHost, EmbedderNotice } from "@first-mate/core";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { createLateEmbedderHost } from "../src/host/lateEmbedderHost.js";

type Method = Exclude<keyof EmbedderHost, "subscribe">;

/** Every method with arguments a caller might pass. */
const CALLS: { [K in Method]: Parameters<EmbedderHost[K]> } = {
  updateInputs: [{ usage: { percent: 10, resetsAt: null } }],
  fleetDigest: [],
  status: [],
  readLog: [{ limit: 5 }],
  setKillSwitch: [true],
  resetSupervisor: [],
  handOffConn: [{ scope: { actions: ["terminate"], targets: ["api"] }, minutes: 5, escalation: "wake me" }],
  takeBackConn: [],
  connStatus: [],
  listProposals: [{ status: "pending" }],
  decideProposal: [{ id: 3, approve: true, by: "ana" }],
  listRoleExtensions: [{}],
  decideRoleExtension: [{ id: 4, approve: false }],
};

const recordingHost = () => {
  const calls: [string, unknown[]][] = [];
  let listener: ((notice: EmbedderNotice) => void) | null = null;
  const methods = Object.fromEntries(
    Object.keys(CALLS).map((name) => [
      name,
      (...args: unknown[]) => {
        calls.push([name, args]);
        return Promise.resolve(E.right(`${name} answered`));
      },
    ]),
  );
  const host = {
    ...methods,
    subscribe(next: (notice: EmbedderNotice) => void) {
      listener = next;
      return () => {
        listener = null;
      };
    },
  } as unknown as EmbedderHost;
  return { host, calls, raise: (notice: EmbedderNotice) => listener?.(notice), listening: () => listener !== null };
};

const callAll = (host: EmbedderHost) =>
  Promise.all(
    (Object.keys(CALLS) as Method[]).map((name) =>
      (host[name] as (...args: unknown[]) => Promise<E.Either<unknown, unknown>>)(...CALLS[name]),
    ),
  );

describe("createLateEmbedderHost", () => {
  it("answers starting, then forwards every method with its arguments, then answers starting again", async () => {
    const late = createLateEmbedderHost();
    for (const answer of await callAll(late.host)) {
      expect(answer).toEqual(E.left({ _tag: "ToolFailed", message: "first-mate is starting; try again" }));
    }

    const bound = recordingHost();
    const unbind = late.bind(bound.host);
    const answers = await callAll(late.host);
    expect(answers).toEqual(Object.keys(CALLS).map((name) => E.right(`${name} answered`)));
    expect(bound.calls).toEqual(Object.entries(CALLS));

    unbind();
    expect(bound.listening()).toBe(false);
    for (const answer of await callAll(late.host)) expect(E.isLeft(answer)).toBe(true);
    expect(bound.calls).toHaveLength(Object.keys(CALLS).length);
  });

  it("a listener added before bind hears the bound host's notices, and a throwing one stops no other", async () => {
    const late = createLateEmbedderHost();
    const heard: EmbedderNotice[] = [];
    late.host.subscribe(() => {
      throw new Error("a broken listener");
    });
    const unsubscribe = late.host.subscribe((notice) => heard.push(notice));
    const bound = recordingHost();
    late.bind(bound.host);
    const event: EmbedderNotice = { kind: "event", type: "conn", at: 5, data: { reason: "handed_off" } };
    bound.raise(event);
    unsubscribe();
    bound.raise({ kind: "event", type: "proposal", at: 6, data: { id: 1 } });
    expect(heard).toEqual([event]);
  });
});
