/**
 * Bad input is a typed error and writes nothing; corrupt rows are a typed
 * error naming their table, never a crash or a wrong value.
 */
import {
  AlertSchema,
  type Conn,
  MarkerSchema,
  NewLogEntrySchema,
  OutboxEntrySchema,
  type PaneId,
  StartRecordSchema,
} from "@first-mate/core";
import fc from "fast-check";
import * as E from "fp-ts/lib/Either.js";
import { beforeEach, describe, expect, it } from "vitest";
import type { Corruption } from "../storeContractSubject.js";
import { type ContractContext, rightOf } from "../support.js";

const HASH = "ab".repeat(32);
const pane = (id: string): PaneId => id as PaneId;

type Outcome = E.Either<{ _tag: string; message: string }, unknown>;

/** Some content, so "nothing written" also means "nothing changed". */
const seed = async (context: ContractContext): Promise<void> => {
  const { store } = context;
  rightOf(await store.setMarker({ paneId: pane("%1"), tokenHash: HASH, spawnedAt: 1, attempt: 1 }, 0));
  rightOf(await store.appendLog({ kind: "standing_order", text: "keep", at: 1, author: "human" }));
  rightOf(await store.setAlert({ paneId: pane("%2"), kind: "info", message: "hi", raisedAt: 1 }, 0));
  rightOf(await store.enqueueOutbox({ seq: 1, source: pane("%2"), kind: "report", message: "r", createdAt: 1 }, 0));
  rightOf(await store.renewLease("alpha", 1000, 500));
};

export const badInput = (context: () => ContractContext): void => {
  const expectInvalidAndNothingWritten = async (
    call: () => Promise<Outcome> | Outcome,
    what?: string,
  ): Promise<void> => {
    const { subject, location } = context();
    const before = await subject.snapshot(location);
    const outcome = await call();
    expect(E.isLeft(outcome) ? outcome.left._tag : "Right", what).toBe("StoreInvalidInput");
    expect(await subject.snapshot(location), what).toBe(before);
  };

  describe("bad input", () => {
    beforeEach(() => seed(context()));

    it.each([
      ["empty pane id", ""],
      ["no percent sign", "12"],
      ["letters", "%ab"],
      ["trailing newline", "%12\n"],
      ["percent only", "%"],
      ["sql", "%1' OR '1'='1"],
    ])("setMarker refuses %s", async (_name, paneId) => {
      const { store } = context();
      await expectInvalidAndNothingWritten(() =>
        store.setMarker({ paneId: paneId as PaneId, tokenHash: HASH, spawnedAt: 2, attempt: 2 }, 0),
      );
    });

    it("refuses malformed markers, log entries, alerts, outbox entries, ledger rows, lease calls, authority input", async () => {
      const { store } = context();
      const calls: Array<() => Promise<Outcome> | Outcome> = [
        () => store.setMarker({ paneId: pane("%3"), tokenHash: "ABC", spawnedAt: 2, attempt: 2 }, 0),
        () => store.setMarker({ paneId: pane("%3"), tokenHash: HASH, spawnedAt: -1, attempt: 2 }, 0),
        () => store.setMarker({ paneId: pane("%3"), tokenHash: HASH, spawnedAt: 2, attempt: 0 }, 0),
        () => store.clearMarker(pane("1"), 0),
        () => store.appendLog({ kind: "watch", text: "", at: 1, author: "kit" }),
        () => store.appendLog({ kind: "watch", text: "x".repeat(2001), at: 1, author: "kit" }),
        () => store.appendLog({ kind: "gossip" as never, text: "x", at: 1, author: "kit" }),
        () => store.appendLog({ kind: "watch", text: "x", at: 1.5, author: "kit" }),
        () => store.appendLog({ kind: "watch", text: "x", at: 1, author: "stranger" as never }),
        () => store.setAlert({ paneId: pane("%2"), kind: "panic" as never, message: "x", raisedAt: 1 }, 0),
        () => store.setAlert({ paneId: pane("%2"), kind: "info", message: "", raisedAt: 1 }, 0),
        () =>
          store.setAlert({ paneId: pane("%2"), kind: "info", message: "x", severity: "dire" as never, raisedAt: 1 }, 0),
        () => store.clearAlert(pane(""), 0),
        () => store.enqueueOutbox({ seq: 0, source: pane("%2"), kind: "report", message: "x", createdAt: 1 }, 0),
        () => store.enqueueOutbox({ seq: 2, source: pane("two"), kind: "report", message: "x", createdAt: 1 }, 0),
        () => store.enqueueOutbox({ seq: 2, source: pane("%2"), kind: "info" as never, message: "x", createdAt: 1 }, 0),
        () =>
          store.enqueueOutbox(
            { seq: 2, source: pane("%2"), kind: "report", message: "m".repeat(2001), createdAt: 1 },
            0,
          ),
        () => store.markDelivered(-3, 0),
        () => store.markDelivered(Number.NaN, 0),
        () => store.expireOutbox(Number.POSITIVE_INFINITY, 0),
        () => store.recordStart({ attempt: 0, startedAt: 1, endedAt: null, paneId: null, outcome: "starting" }, 0),
        () => store.recordStart({ attempt: 1, startedAt: 1, endedAt: null, paneId: pane("x"), outcome: "starting" }, 0),
        () =>
          store.recordStart({ attempt: 1, startedAt: 1, endedAt: null, paneId: null, outcome: "exploded" as never }, 0),
        () => store.readLedger(Number.NaN),
        () => store.setSupervisorGaveUp("yes" as never, 1, 0),
        () => store.setSupervisorGaveUp(false, -1, null),
        () => store.setKillSwitch(1 as never),
        () => store.renewLease("", 1000, 500),
        () => store.renewLease("beta", -1, 500),
        () => store.renewLease("beta", 1000, 0),
        () => store.renewLease("o".repeat(201), 1000, 500),
        () => store.releaseLease(""),
        () => store.pruneLog({ keepNewest: -1 }),
        () => store.pruneDeliveredOutbox(Number.NaN),
        () => store.saveConn({ holder: "first_mate", since: 1 } as unknown as Conn),
        () => store.addProposal({ action: { kind: "Launch Missiles", target: {}, args: {} }, reason: "r", at: 1 }),
        () => store.addProposal({ action: { kind: "terminate", target: {}, args: {} }, reason: "", at: 1 }),
        () => store.decideProposal(0, "approved", { by: "human", at: 1 }),
        () => store.decideProposal(1, "maybe" as never, { by: "human", at: 1 }),
        () => store.proposeRoleExtension({ text: "", at: 1 }),
        () => store.decideRoleExtension(0, "approved", { by: "human", at: 1 }),
        () => store.decideRoleExtension(1, "rejected", { by: "", at: 1 }),
        () => store.listProposals({ status: "lost" as never }),
        () => store.listRoleExtensions({ status: "lost" as never }),
      ];
      for (const [index, call] of calls.entries()) {
        await expectInvalidAndNothingWritten(call, `call ${index}`);
      }
    });

    it.each([
      ["limit 0", { limit: 0 }],
      ["limit 201", { limit: 201 }],
      ["fractional limit", { limit: 2.5 }],
      ["unknown kind", { limit: 5, kind: "gossip" }],
    ])("readLog refuses %s", async (_name, query) => {
      const { store } = context();
      await expectInvalidAndNothingWritten(() => store.readLog(query as never));
    });

    it("property: each write method answers StoreInvalidInput to invalid input, never throws, and leaves every table as it was", async () => {
      const { store, subject, location } = context();
      const writers: Array<{
        readonly name: string;
        readonly isValid: (input: unknown) => boolean;
        readonly call: (input: unknown) => Promise<Outcome> | Outcome;
      }> = [
        {
          name: "setMarker",
          isValid: (i) => MarkerSchema.safeParse(i).success,
          call: (i) => store.setMarker(i as never, 0),
        },
        {
          name: "recordStart",
          isValid: (i) => StartRecordSchema.safeParse(i).success,
          call: (i) => store.recordStart(i as never, 0),
        },
        {
          name: "appendLog",
          isValid: (i) => NewLogEntrySchema.safeParse(i).success,
          call: (i) => store.appendLog(i as never),
        },
        {
          name: "setAlert",
          isValid: (i) => AlertSchema.safeParse(i).success,
          call: (i) => store.setAlert(i as never, 0),
        },
        {
          name: "enqueueOutbox",
          isValid: (i) => OutboxEntrySchema.safeParse(i).success,
          call: (i) => store.enqueueOutbox(i as never, 0),
        },
        {
          name: "clearMarker",
          isValid: (i) => typeof i === "string" && /^%\d+$/.test(i),
          call: (i) => store.clearMarker(i as never, 0),
        },
        {
          name: "markDelivered",
          isValid: (i) => Number.isSafeInteger(i) && (i as number) > 0,
          call: (i) => store.markDelivered(i as never, 0),
        },
        { name: "setKillSwitch", isValid: (i) => typeof i === "boolean", call: (i) => store.setKillSwitch(i as never) },
        {
          name: "releaseLease",
          isValid: (i) => typeof i === "string" && i.length >= 1 && i.length <= 200,
          call: (i) => store.releaseLease(i as never),
        },
      ];

      /** Near misses as well as arbitrary junk: valid shapes with one field broken. */
      const nearMiss = fc.record({
        paneId: fc.oneof(fc.constant(""), fc.string(), fc.constant("%"), fc.constant("%1 ")),
        tokenHash: fc.oneof(fc.constant(HASH), fc.string()),
        spawnedAt: fc.oneof(fc.integer(), fc.double()),
        attempt: fc.oneof(fc.integer({ max: 0 }), fc.double()),
        kind: fc.string(),
        text: fc.oneof(fc.constant(""), fc.string({ minLength: 2001, maxLength: 2100 })),
        at: fc.oneof(fc.integer({ max: -1 }), fc.double({ noInteger: true })),
        author: fc.string(),
        message: fc.oneof(fc.constant(""), fc.string({ minLength: 2001, maxLength: 2050 })),
        raisedAt: fc.double({ noInteger: true }),
        seq: fc.oneof(fc.integer({ max: 0 }), fc.double({ noInteger: true })),
        source: fc.string(),
        createdAt: fc.integer({ max: -1 }),
      });

      const before = await subject.snapshot(location);
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...writers),
          fc.oneof(fc.anything(), nearMiss, fc.string(), fc.double()),
          async (writer, input) => {
            fc.pre(!writer.isValid(input));
            const outcome = await writer.call(input);
            expect(E.isLeft(outcome) ? outcome.left._tag : "Right", writer.name).toBe("StoreInvalidInput");
          },
        ),
        { numRuns: 400 },
      );
      expect(await subject.snapshot(location)).toBe(before);
    });

    it("property: readLog with an invalid query is StoreInvalidInput", async () => {
      const { store } = context();
      await fc.assert(
        fc.asyncProperty(
          fc.record({
            limit: fc.oneof(fc.integer({ max: 0 }), fc.integer({ min: 201 }), fc.double({ noInteger: true })),
          }),
          async (query) => {
            const outcome = await store.readLog(query);
            expect(E.isLeft(outcome) && outcome.left._tag).toBe("StoreInvalidInput");
          },
        ),
      );
    });
  });

  describe("corrupt rows", () => {
    beforeEach(() => seed(context()));

    const expectCorrupt = (outcome: Outcome, table: string): void => {
      expect(E.isLeft(outcome) && outcome.left).toMatchObject({ _tag: "StoreCorruptRow", table });
    };
    const corrupt = (corruption: Corruption) => context().subject.corrupt(context().location, corruption);

    it("a marker with a malformed pane id is StoreCorruptRow for marker, in readMarker and hydrate", async () => {
      const { store } = context();
      await corrupt("marker.paneId");
      expectCorrupt(await store.readMarker(), "marker");
      expectCorrupt(await store.hydrate(), "marker");
    });

    it("each table's corrupt row names that table", async () => {
      const { store } = context();
      const { epoch } = rightOf(await store.readLease());
      rightOf(
        await store.recordStart({ attempt: 1, startedAt: 1, endedAt: null, paneId: null, outcome: "starting" }, epoch),
      );
      rightOf(await store.proposeRoleExtension({ text: "be brief", at: 1 }));
      rightOf(await store.addProposal({ action: { kind: "terminate", target: {}, args: {} }, reason: "r", at: 1 }));
      for (const corruption of [
        "restart_ledger.outcome",
        "captains_log.kind",
        "alerts.message",
        "outbox.source",
        "supervisor_settings.resetAt",
        "supervisor_lease.owner",
        "role_extensions.status",
        "proposals.action",
      ] as const) {
        await corrupt(corruption);
      }
      expectCorrupt(await store.readLedger(0), "restart_ledger");
      expectCorrupt(await store.readLog({ limit: 10 }), "captains_log");
      expectCorrupt(await store.readAlerts(), "alerts");
      expectCorrupt(await store.listOutbox(), "outbox");
      expectCorrupt(await store.readKillSwitch(), "supervisor_settings");
      expectCorrupt(await store.readSupervisorFlags(), "supervisor_settings");
      expectCorrupt(await store.readLease(), "supervisor_lease");
      expectCorrupt(await store.renewLease("beta", 99_999, 10), "supervisor_lease");
      expectCorrupt(await store.listRoleExtensions(), "role_extensions");
      expectCorrupt(await store.listProposals(), "proposals");
    });

    it("values of the right column type but outside the rules (zero attempt, negative time) are caught on read", async () => {
      const { store } = context();
      await corrupt("marker.attempt");
      await corrupt("alerts.raisedAt");
      expectCorrupt(await store.readMarker(), "marker");
      expectCorrupt(await store.readAlerts(), "alerts");
    });

    it("a corrupt conn row reads as the human's conn (fail safe), not as an error", async () => {
      const { store } = context();
      rightOf(
        await store.saveConn({
          holder: "first_mate",
          since: 1_000,
          expiresAt: 61_000,
          scope: { actions: ["spawn_worker"], targets: ["helper-*"] },
          escalation: "wake the human",
          firstMateAttempt: 1,
        }),
      );
      await corrupt("conn_state.json");
      expect(rightOf(await store.hydrate()).conn).toBeNull();
    });
  });
};
