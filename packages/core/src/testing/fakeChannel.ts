/**
 * An in-memory ChannelPort: sessions you attach and detach, pushes recorded
 * per pane, and emits you can make fail.
 */
import type { ChannelMeta } from "../commands.js";
import type { PaneId } from "../domain/paneId.js";
import type { ChannelEvent, ChannelPort } from "../ports/channelPort.js";

/** A push the fake channel received: its content and meta. */
export interface ReceivedPush {
  readonly content: string;
  readonly meta: ChannelMeta;
}

/** A channel port in memory: attach and detach panes, and read what each received. */
export interface FakeChannel extends ChannelPort {
  readonly received: Map<string, ReceivedPush[]>;
  attach(paneId: PaneId, firstMate: boolean): void;
  detach(paneId: PaneId): void;
  isAttached(paneId: string): boolean;
  /** The panes with a session attached now. */
  attachedPanes(): PaneId[];
  /**
   * Every attached session says so again, as shims reconnecting to a
   * restarted host do (a host's channel server starts with no sessions).
   */
  reconnectAll(): void;
  /** The next `count` emits fail even to attached sessions. */
  failNext(count: number): void;
  emitSync(paneId: string, content: string, meta: ChannelMeta): boolean;
  /**
   * A channel with the same sessions, pushes received and failures to come,
   * that goes on apart. Its subscribers are not carried over.
   */
  fork(): FakeChannel;
}

/** What a fake channel holds: attached sessions (each verified as the first mate or not), pushes, failures to come. */
interface ChannelContents {
  readonly attached: Map<string, boolean>;
  readonly received: Map<string, ReceivedPush[]>;
  readonly failing: number;
}

/** A fresh fake channel with no sessions attached. */
export const createFakeChannel = (): FakeChannel =>
  channelWith({ attached: new Map(), received: new Map(), failing: 0 });

const channelWith = (contents: ChannelContents): FakeChannel => {
  const { attached, received } = contents;
  const listeners = new Set<(event: ChannelEvent) => void>();
  let failing = contents.failing;
  const notify = (event: ChannelEvent) => {
    for (const listener of listeners) listener(event);
  };
  const emitSync = (paneId: string, content: string, meta: ChannelMeta): boolean => {
    if (!attached.has(paneId)) return false;
    if (failing > 0) {
      failing--;
      return false;
    }
    const list = received.get(paneId) ?? [];
    list.push({ content, meta });
    received.set(paneId, list);
    return true;
  };
  return {
    received,
    emitSync,
    attach(paneId, firstMate) {
      attached.set(paneId, firstMate);
      notify({ type: "attached", paneId, firstMate });
    },
    detach(paneId) {
      attached.delete(paneId);
      notify({ type: "detached", paneId });
    },
    isAttached: (paneId) => attached.has(paneId),
    attachedPanes: () => [...attached.keys()] as PaneId[],
    reconnectAll() {
      for (const [paneId, firstMate] of attached) notify({ type: "attached", paneId: paneId as PaneId, firstMate });
    },
    failNext(count) {
      failing = count;
    },
    fork: () =>
      channelWith({
        attached: new Map(attached),
        received: new Map([...received].map(([paneId, pushes]) => [paneId, [...pushes]])),
        failing,
      }),
    emit: async (paneId, content, meta) => emitSync(paneId, content, meta),
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
};
