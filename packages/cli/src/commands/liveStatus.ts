/**
 * What only the running host knows, for `status`: whether the first mate
 * hears its channel, the wake-ups typed while it does not, and a start-up
 * dialog it waits at. Asked over the channel socket as an embedder (with the
 * host's embedder token file), briefly.
 *
 * Guarantees: never throws and never waits long; null when no host answers
 * (none running, another state directory, a refused token).
 */
import { ChannelModeSchema } from "@first-mate/core";
import { connectChannel, resolveSocketPath } from "@first-mate/driver-mcp";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import * as E from "fp-ts/lib/Either.js";
import { z } from "zod";
import { embedderTokenPath, readEmbedderTokenFile } from "../host/embedderTokenFile.js";
import type { HostConfig } from "../host/hostConfig.js";

/** The running host's view of its first mate, as `status` shows it. */
export const LiveStatusSchema = z.object({
  /** unconfirmed | confirmed | unavailable; null while there is no first mate. */
  channel: ChannelModeSchema.nullable(),
  /** Wake-ups typed into the first mate's pane while its channel is unavailable. */
  wakeUps: z.number().int().nonnegative(),
  /** The start-up dialog the first mate waits at (its id), if any. */
  waitingAtDialog: z.string().nullable(),
});
export type LiveStatus = z.infer<typeof LiveStatusSchema>;

const within = <T>(ms: number, work: Promise<T>): Promise<T> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });

/** Ask the running host for its first mate's channel state; null when none answers. */
export const askRunningHost = async (config: HostConfig, timeoutMs = 2_000): Promise<LiveStatus | null> => {
  const token = await readEmbedderTokenFile(embedderTokenPath(config.stateDir));
  if (E.isLeft(token)) return null;
  const socketPath = config.socketPath ?? resolveSocketPath(process.env);
  const transport = await connectChannel({ socketPath, hello: { role: "embedder", token: token.right }, timeoutMs });
  if (E.isLeft(transport)) return null;
  const client = new Client({ name: "first-mate-status", version: "0.1.0" });
  try {
    await within(timeoutMs, client.connect(transport.right));
    const result = await within(timeoutMs, client.callTool({ name: "status", arguments: {} }));
    const content = (result as { content?: { type: string; text?: string }[] }).content ?? [];
    const text = content.find((part) => part.type === "text")?.text ?? "";
    const parsed = LiveStatusSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  } finally {
    await client.close().catch(() => undefined);
  }
};
