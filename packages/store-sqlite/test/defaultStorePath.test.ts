/** The default database location: state, not configuration. */
import { defaultStorePath, legacyStorePath } from "@first-mate/store-sqlite";
import { describe, expect, it } from "vitest";

describe("defaultStorePath", () => {
  it("the database defaults to $XDG_STATE_HOME, not $XDG_CONFIG_HOME", () => {
    expect(defaultStorePath({ XDG_STATE_HOME: "/srv/state", XDG_CONFIG_HOME: "/srv/conf" }, "/home/ann")).toBe(
      "/srv/state/first-mate/first-mate.db",
    );
  });

  it("falls back to ~/.local/state when XDG_STATE_HOME is unset, empty or relative", () => {
    for (const env of [{}, { XDG_STATE_HOME: "" }, { XDG_STATE_HOME: "state" }, { XDG_CONFIG_HOME: "/srv/conf" }]) {
      expect(defaultStorePath(env, "/home/ann")).toBe("/home/ann/.local/state/first-mate/first-mate.db");
    }
  });

  it("legacyStorePath names where earlier versions kept it", () => {
    expect(legacyStorePath({ XDG_CONFIG_HOME: "/srv/conf" }, "/home/ann")).toBe("/srv/conf/first-mate/first-mate.db");
    expect(legacyStorePath({}, "/home/ann")).toBe("/home/ann/.config/first-mate/first-mate.db");
  });
});
