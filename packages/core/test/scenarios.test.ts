import { describe, expect, it } from "vitest";
import { createFakeWorld } from "../src/testing/index.js";

describe("fake world scenarios", () => {
  it("spawns one first mate, pushes the whole picture at first sight, then only material changes", () => {
    const world = createFakeWorld();
    const worker = world.addWorker({ windowName: "api" });
    world.start();
    expect(world.firstMatePaneId()).toMatch(/^%\d+$/);
    expect(world.firstMatePanes()).toHaveLength(1);
    const pushes = world.pushesToFirstMate();
    expect(pushes).toHaveLength(1);
    expect(pushes[0]!.meta.kind).toBe("digest_full");
    expect(pushes[0]!.content).toContain(`${worker} api (claude)`);

    // Ticks with nothing material: no push.
    world.advance(200_000);
    expect(world.pushesToFirstMate()).toHaveLength(1);

    // Crossing the idle threshold is material.
    world.advance(150_000);
    expect(world.pushesToFirstMate()).toHaveLength(2);
    expect(world.pushesToFirstMate()[1]!.content).toContain(`IDLE ${worker} api (claude)`);
  });
});
