/**
 * The JavaScript a stand-in runs to write its pid file whole: under a
 * temporary name, then renamed into place. Written in place, a reader could
 * list the file while it is still empty, read pid 0 and signal its own
 * process group.
 */
import { dirname, join } from "node:path";

/** Statements writing the JavaScript expression `contents` to `path` (with `perProcess`, to `path` + the writer's pid). */
export const writePidFile = (path: string, contents: string, perProcess = false): string => {
  const target = `${JSON.stringify(path)}${perProcess ? " + process.pid" : ""}`;
  const temporary = `${JSON.stringify(join(dirname(path), ".writing-"))} + process.pid`;
  return `{ const fs = require('node:fs'); fs.writeFileSync(${temporary}, ${contents}); fs.renameSync(${temporary}, ${target}); }`;
};
