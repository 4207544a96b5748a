/**
 * A server that ends a connection (`pg_terminate_backend`, or a fast
 * shutdown: SQLSTATE 57P01) at the moment the pool hands that connection to
 * a call. The pool hands a connection over while it reads the server's
 * "ready" message; a "terminating connection" message in the same read
 * reached the connection before the call could listen for it, and an
 * "error" event nobody listens to ends the process (a host, in production).
 * The proxy in front of the test server makes that one read happen on
 * purpose. The call must answer `StoreUnavailable`, and the store go on.
 */
import { openPostgresStore, type PostgresStore } from "@first-mate/store-postgres";
import * as E from "fp-ts/lib/Either.js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { dropSchema, freshLocation, type PostgresLocation, withRawClient } from "./helpers.js";
import { type ReadyHoldingProxy, startReadyHoldingProxy } from "./readyHoldingProxy.js";

let location: PostgresLocation;
let proxy: ReadyHoldingProxy;
const stores: PostgresStore[] = [];
/** Errors that reached the process instead of a caller. */
const uncaught: unknown[] = [];
const onUncaught = (error: unknown) => uncaught.push(error);

beforeEach(async () => {
  location = await freshLocation();
  proxy = await startReadyHoldingProxy(location.url);
  uncaught.length = 0;
  process.on("uncaughtException", onUncaught);
});
afterEach(async () => {
  process.removeListener("uncaughtException", onUncaught);
  for (const store of stores.splice(0)) await store.close();
  await proxy.close();
  await dropSchema(location).catch(() => undefined);
});

const terminate = (pid: number) =>
  withRawClient(location.url, async (client) => {
    await client.query("SELECT pg_terminate_backend($1)", [pid]);
  });

const waitUntil = async (what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

/** Holds the next connection at its "ready", terminates its backend, then delivers "ready" and 57P01 in one read. */
const terminateAsHandedOver = async (call: () => Promise<unknown>) => {
  const holding = proxy.holdNext();
  const answer = call();
  const held = await holding;
  await terminate(held.backendPid);
  await held.serverClosed;
  held.deliver();
  return answer;
};

// A long connect timeout: the hold must end by the terminated backend, not by the pool giving up on a slow machine.
const open = () =>
  openPostgresStore({ url: proxy.url, schema: location.schema, poolSize: 1, connectTimeoutMs: 30_000 });

describe("a backend terminated as the pool hands its connection over", () => {
  it("pg backend terminated during hand-over at open: opening answers StoreUnavailable, nothing reaches the process, a second open works", async () => {
    const opened = (await terminateAsHandedOver(open)) as Awaited<ReturnType<typeof open>>;
    expect(uncaught).toEqual([]);
    expect(E.isLeft(opened) && opened.left._tag).toBe("StoreUnavailable");

    const again = await open();
    if (E.isLeft(again)) throw new Error(again.left.message);
    stores.push(again.right);
    expect(E.isRight(await again.right.readLease())).toBe(true);
    expect(uncaught).toEqual([]);
  });

  it("pg backend terminated during hand-over to a write: the write answers StoreUnavailable, nothing reaches the process, the next call works", async () => {
    const opened = await open();
    if (E.isLeft(opened)) throw new Error(opened.left.message);
    const store = opened.right;
    stores.push(store);
    // Empty the pool: its one idle connection is ended by the server and dropped by the pool.
    const [idle] = proxy.backendPids();
    expect(idle).toBeGreaterThan(0);
    await terminate(idle!);
    await waitUntil("the pool to drop the terminated connection", () => proxy.backendPids().length === 0);

    const renewed = (await terminateAsHandedOver(() => store.renewLease("host-a:1:x", 1_000, 5_000))) as Awaited<
      ReturnType<PostgresStore["renewLease"]>
    >;
    expect(uncaught).toEqual([]);
    expect(E.isLeft(renewed) && renewed.left._tag).toBe("StoreUnavailable");

    const after = await store.renewLease("host-a:1:x", 2_000, 5_000);
    expect(E.isRight(after) && after.right.owner).toBe("host-a:1:x");
    expect(uncaught).toEqual([]);
  });
});
