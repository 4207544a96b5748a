/**
 * A small ToolHost over an in-memory log and digest, for driver tests. It
 * records every call so tests can assert what reached the host.
 */
import type {
  FleetDigest,
  LogEntry,
  LogKind,
  Marker,
  NotifyKind,
  PaneId,
  Severity,
  ToolHost,
  ToolResult,
} from "@first-mate/core";
import * as E from "fp-ts/lib/Either.js";
import { hashToken } from "../../src/firstMateIdentity.js";

export interface RecordedNotify {
  readonly from: PaneId;
  readonly kind: NotifyKind;
  readonly message: string;
  readonly severity?: Severity;
}

export class FakeToolHost implements ToolHost {
  marker: Marker | null = null;
  readonly notifies: RecordedNotify[] = [];
  readonly reports: { from: PaneId; message: string }[] = [];
  readonly nudges: { from: PaneId; pane: PaneId; message: string }[] = [];
  readonly log: LogEntry[] = [];
  /** Panes the fake considers busy: nudging them is refused (policy lives here, not in the driver). */
  readonly busyPanes = new Set<string>();
  screens = new Map<string, string>();
  digest: FleetDigest = { at: 0, panes: [], budget: { percent: null, resetsAt: null } };
  /** When set, notify waits for this before answering (to hold a request in flight). */
  notifyGate: Promise<void> | null = null;
  /** Called after each notify is recorded. */
  onNotify: ((call: RecordedNotify) => void) | null = null;

  markFirstMate(paneId: string, token: string): void {
    this.marker = { paneId: paneId as PaneId, tokenHash: hashToken(token), spawnedAt: 1, attempt: 1 };
  }

  async firstMateMarker(): Promise<Marker | null> {
    return this.marker;
  }

  async notify(from: PaneId, input: { kind: NotifyKind; message: string; severity?: Severity }): ToolResult<string> {
    if (this.notifyGate) await this.notifyGate;
    const call = { from, ...input };
    this.notifies.push(call);
    this.onNotify?.(call);
    return E.right(`noted (${input.kind})`);
  }

  async report(from: PaneId, input: { message: string }): ToolResult<string> {
    this.reports.push({ from, message: input.message });
    return E.right("report received");
  }

  async fleetDigest(_from: PaneId): ToolResult<{ readonly digest: FleetDigest; readonly text: string }> {
    return E.right({ digest: this.digest, text: `fleet: ${this.digest.panes.length} panes` });
  }

  async readLog(_from: PaneId, input: { limit: number; kind?: LogKind }): ToolResult<readonly LogEntry[]> {
    const matching = this.log.filter((entry) => input.kind === undefined || entry.kind === input.kind);
    return E.right(matching.slice(-input.limit).reverse());
  }

  async appendLog(_from: PaneId, input: { kind: LogKind; text: string }): ToolResult<LogEntry> {
    const entry: LogEntry = {
      id: this.log.length + 1,
      kind: input.kind,
      text: input.text,
      at: 1_000,
      author: "first_mate",
    };
    this.log.push(entry);
    return E.right(entry);
  }

  async peek(_from: PaneId, input: { pane: PaneId; lines: number }): ToolResult<string> {
    const screen = this.screens.get(input.pane);
    if (screen === undefined) return E.left({ _tag: "ToolRefused", message: `no pane ${input.pane}` });
    return E.right(screen.split("\n").slice(-input.lines).join("\n"));
  }

  async nudge(from: PaneId, input: { pane: PaneId; message: string }): ToolResult<string> {
    if (this.busyPanes.has(input.pane)) {
      return E.left({ _tag: "ToolRefused", message: `${input.pane} is not clearly idle; not nudged` });
    }
    this.nudges.push({ from, ...input });
    return E.right(`nudged ${input.pane}`);
  }
}
