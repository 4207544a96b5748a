/**
 * The lease situations the outbox and alert fencing tests start from: a
 * settled world whose lease another host takes behind its back, and a
 * standby host that knows it does not hold the lease.
 */
import { parseCoreConfig } from "../src/config.js";
import { EMPTY_HYDRATION } from "../src/events.js";
import { type CoreState, initialState } from "../src/state.js";
import { step } from "../src/step.js";
import { createFakeWorld, type FakeWorld } from "../src/testing/fakeWorld.js";
import { T0 } from "./support.js";

const HOUR = 3_600_000;

/** A started world with one worker and a first mate, a second past its start. */
export const settledWorld = () => {
  const world = createFakeWorld({ config: { tickMs: 5_000 } });
  const worker = world.addWorker();
  world.start();
  world.advance(1_000);
  return { world, worker };
};

/** Another host takes the lease behind this one's back (as after a pause past its expiry), for an hour. */
export const leaseTakenByAnotherHost = (world: FakeWorld): void => {
  const contents = world.store.snapshot();
  contents.lease = { owner: "other-host", expiresAt: world.now() + HOUR };
  contents.leaseEpoch += 1;
};

/** A host started at T0 that has heard it does not hold the lease (another holds it at epoch 3). */
export const standbyWithoutLease = (): CoreState => {
  const [started] = step(initialState(parseCoreConfig({})), {
    type: "Started",
    now: T0,
    owner: "standby",
    hydration: EMPTY_HYDRATION,
  });
  const [standby] = step(started, { type: "LeaseRenewed", now: T0, held: false, expiresAt: T0 + 90_000, epoch: 3 });
  return standby;
};
