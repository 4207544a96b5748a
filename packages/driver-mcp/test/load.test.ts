import { describe, expect, it } from "vitest";
import { startChannelFixture } from "./support/channelFixture.js";

const SESSIONS = 200;
const CALLS_PER_SESSION = 5;

describe("load", () => {
  it("200 concurrent sessions sending notify calls: none lost, server stays up", async () => {
    const fixture = await startChannelFixture();
    try {
      const clients = await Promise.all(
        Array.from({ length: SESSIONS }, (_, i) => fixture.connect({ pane: `%${i + 10}` }, `load-${i}`)),
      );
      expect(fixture.server.sessions()).toHaveLength(SESSIONS);
      const results = await Promise.all(
        clients.flatMap((client, i) =>
          Array.from({ length: CALLS_PER_SESSION }, (_, j) =>
            client.callTool({ name: "notify", arguments: { message: `pane ${i} call ${j}`, kind: "info" } }),
          ),
        ),
      );
      expect(results.filter((result) => result.isError)).toEqual([]);
      const received = new Set(fixture.host.notifies.map((call) => `${call.from}:${call.message}`));
      expect(received.size).toBe(SESSIONS * CALLS_PER_SESSION);
      for (let i = 0; i < SESSIONS; i++) {
        for (let j = 0; j < CALLS_PER_SESSION; j++) expect(received.has(`%${i + 10}:pane ${i} call ${j}`)).toBe(true);
      }
      const late = await fixture.connect({ pane: "%5" });
      expect((await late.callTool({ name: "report", arguments: { message: "still up" } })).isError).toBeFalsy();
    } finally {
      await fixture.dispose();
    }
  }, 60_000);
});
