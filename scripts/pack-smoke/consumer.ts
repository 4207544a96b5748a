/**
 * A consumer of the published packages, as an adopter writes it: the main
 * entry points used together. The packed-install smoke test type-checks it
 * against the installed tarballs with `skipLibCheck: false` under
 * `moduleResolution: nodenext`, so a missing type dependency, a broken
 * `exports` map or a declaration that does not compile fails the test.
 */
import { type Host, type HostConfig, parseHostConfig, startHost } from "@first-mate/cli";
import { type Command, CoreConfigSchema, type Event, initialState, step } from "@first-mate/core";
import { createRuntime, type RuntimeReport } from "@first-mate/core/runtime";
import { createFakeWorld } from "@first-mate/core/testing";
import { createChannelServer } from "@first-mate/driver-mcp";
import { createTmuxDriver } from "@first-mate/driver-tmux";
import { describeStoreContract } from "@first-mate/store-contract";
import { openPostgresStore } from "@first-mate/store-postgres";
import { openSqliteStore, type SqliteStore } from "@first-mate/store-sqlite";

const config = CoreConfigSchema.parse({});
const event: Event = { type: "Ticked", now: 0 };
const [state, commands] = step(initialState(config), event);
const firstCommand: Command | undefined = commands[0];

const parsed = parseHostConfig({ tmux: { socketName: "work" }, agent: { kind: "stand-in" } });
const hostConfig: HostConfig | null = parsed.ok ? parsed.config : null;
const started: Promise<unknown> = hostConfig ? startHost({ config: hostConfig }) : Promise.resolve(null);
const stopHost = (host: Host): Promise<void> => host.stop();
const onReport = (report: RuntimeReport): number => report.at;
const store: SqliteStore | null = null;

export const used = [
  state,
  commands,
  firstCommand,
  started,
  stopHost,
  onReport,
  store,
  createRuntime,
  createFakeWorld,
  createChannelServer,
  createTmuxDriver,
  openSqliteStore,
  openPostgresStore,
  describeStoreContract,
];
