/**
 * Helpers shared by the contract's suites: Either unwrapping that fails the
 * test with the error, cleanups run after each test, and child processes
 * running the contract's fixtures (killed in cleanup if still alive).
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import * as E from "fp-ts/lib/Either.js";
import type { ContractStore, StoreContractSubject } from "./storeContractSubject.js";

const here = dirname(fileURLToPath(import.meta.url));
const fixtureExtension = import.meta.url.endsWith(".ts") ? ".ts" : ".js";

/** The Right value, or a test failure naming the error. */
export const rightOf = <T>(result: E.Either<{ _tag: string; message: string }, T>): T => {
  if (E.isLeft(result)) throw new Error(`expected Right, got ${result.left._tag}: ${result.left.message}`);
  return result.right;
};

/** The error tag, or "Right". */
export const tagOf = (result: E.Either<{ _tag: string }, unknown>): string =>
  E.isLeft(result) ? result.left._tag : "Right";

export type Cleanup = () => void | Promise<void>;

/** Per-test state: the subject, the clock, the store, and what to clean up. */
export interface ContractContext {
  readonly subject: StoreContractSubject;
  clock: number;
  store: ContractStore;
  location: string;
  readonly cleanups: Cleanup[];
  /** Another handle on this test's store, closed after the test. */
  reopen(): Promise<ContractStore>;
}

/** Runs every cleanup, newest first, whatever fails. */
export const runCleanups = async (cleanups: Cleanup[]): Promise<void> => {
  while (cleanups.length > 0) {
    const cleanup = cleanups.pop()!;
    try {
      await cleanup();
    } catch {
      // Keep cleaning the rest; the test result already says what went wrong.
    }
  }
};

export interface Fixture {
  readonly child: ChildProcessWithoutNullStreams;
  /** Resolves with the next stdout line. */
  nextLine(): Promise<string>;
  /** Every stdout line, as they arrive. */
  onLine(listener: (line: string) => void): void;
  send(line: string): void;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  readonly exited: Promise<number | string>;
  readonly stderr: () => string;
}

/** Starts the contract fixture `name` in a child process that opens the store at `location`. */
export const startFixture = (
  context: ContractContext,
  name: "durableWriter" | "leaseContender",
  args: readonly string[],
): Fixture => {
  const nodeArgs = context.subject.childNodeArgs ?? ["--conditions=@first-mate/source", "--import", "tsx"];
  const child = spawn(
    process.execPath,
    [
      ...nodeArgs,
      join(here, "fixtures", `${name}${fixtureExtension}`),
      context.subject.childModule,
      context.location,
      ...args,
    ],
    { stdio: ["pipe", "pipe", "pipe"] },
  );
  let stderrText = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk: string) => {
    stderrText += chunk;
  });
  const exited = new Promise<number | string>((resolve) => {
    child.once("exit", (code, signal) => resolve(code ?? signal ?? "unknown"));
  });
  context.cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGKILL");
      await exited;
    }
  });
  const pending: string[] = [];
  const waiting: Array<(line: string) => void> = [];
  const listeners: Array<(line: string) => void> = [];
  createInterface({ input: child.stdout }).on("line", (line) => {
    for (const listener of listeners) listener(line);
    const waiter = waiting.shift();
    if (waiter === undefined) pending.push(line);
    else waiter(line);
  });
  return {
    child,
    nextLine: () => {
      const line = pending.shift();
      if (line !== undefined) return Promise.resolve(line);
      return new Promise<string>((resolve, reject) => {
        waiting.push(resolve);
        void exited.then((code) => reject(new Error(`${name} exited (${code}) before printing: ${stderrText}`)));
      });
    },
    onLine: (listener) => listeners.push(listener),
    send: (line) => child.stdin.write(`${line}\n`),
    exited,
    stderr: () => stderrText,
  };
};
