/** Two processes race for the supervisor lease on one file: exactly one wins; after expiry the other takes over. */
import type { LeaseState } from "@first-mate/core";
import { afterEach, describe, expect, it } from "vitest";
import { cleanUp, type Fixture, startFixture, temporaryDatabasePath } from "./helpers.js";

afterEach(cleanUp);

const ask = async (contender: Fixture, command: string): Promise<LeaseState> => {
  contender.send(command);
  const reply = JSON.parse(await contender.nextLine()) as { ok?: LeaseState; error?: unknown };
  if (reply.ok === undefined) throw new Error(`contender failed: ${JSON.stringify(reply.error)}`);
  return reply.ok;
};

const startContenders = async (path: string): Promise<[Fixture, Fixture]> => {
  // Both open the same (new) file at once: migrations must not collide either.
  const contenders: [Fixture, Fixture] = [
    startFixture("leaseContender", [path, "alpha"]),
    startFixture("leaseContender", [path, "beta"]),
  ];
  for (const contender of contenders) expect(await contender.nextLine()).toBe("ready");
  return contenders;
};

describe("supervisor lease across processes", () => {
  it("exactly one of two racing processes holds it; the other takes over only after expiry", async () => {
    for (let round = 0; round < 3; round++) {
      const path = temporaryDatabasePath();
      const [alpha, beta] = await startContenders(path);
      const [first, second] = await Promise.all([ask(alpha, "renew 1000 500"), ask(beta, "renew 1000 500")]);
      expect([first.held, second.held].filter(Boolean)).toHaveLength(1);
      const [winner, loser, winnerName] = first.held ? [alpha, beta, "alpha"] : [beta, alpha, "beta"];
      const loserName = winnerName === "alpha" ? "beta" : "alpha";
      expect(first.held ? second : first).toEqual({ held: false, owner: winnerName, expiresAt: 1500 });

      expect(await ask(loser, "renew 1499 500")).toEqual({ held: false, owner: winnerName, expiresAt: 1500 });
      expect(await ask(loser, "renew 1500 500")).toEqual({ held: true, owner: loserName, expiresAt: 2000 });
      expect(await ask(winner, "renew 1600 500")).toEqual({ held: false, owner: loserName, expiresAt: 2000 });
      winner.send("exit");
      loser.send("exit");
      expect(await winner.exited).toBe(0);
      expect(await loser.exited).toBe(0);
    }
  }, 90_000);

  it("with the real clock and a short ttl, the other process takes over once it has expired", async () => {
    const path = temporaryDatabasePath();
    const [alpha, beta] = await startContenders(path);
    const taken = await ask(alpha, "renew clock 200");
    expect(taken.held).toBe(true);
    expect((await ask(beta, "renew clock 200")).held).toBe(false);
    while (Date.now() <= taken.expiresAt) await new Promise((resolve) => setTimeout(resolve, 20));
    const takeover = await ask(beta, "renew clock 200");
    expect(takeover).toMatchObject({ held: true, owner: "beta" });
    expect(await ask(alpha, "read")).toMatchObject({ owner: "beta" });
  }, 60_000);

  it("a released lease is free for the other process at once", async () => {
    const path = temporaryDatabasePath();
    const [alpha, beta] = await startContenders(path);
    expect((await ask(alpha, "renew 1000 60000")).held).toBe(true);
    alpha.send("release");
    await alpha.nextLine();
    expect(await ask(beta, "renew 1001 500")).toEqual({ held: true, owner: "beta", expiresAt: 1501 });
  }, 60_000);
});
