/** The default database location. */
import { defaultStorePath } from "@first-mate/store-sqlite";
import { describe, expect, it } from "vitest";

describe("defaultStorePath", () => {
  it("uses an absolute XDG_CONFIG_HOME", () => {
    expect(defaultStorePath({ XDG_CONFIG_HOME: "/srv/conf" }, "/home/ann")).toBe("/srv/conf/first-mate/first-mate.db");
  });

  it("falls back to ~/.config when XDG_CONFIG_HOME is unset, empty or relative", () => {
    for (const env of [{}, { XDG_CONFIG_HOME: "" }, { XDG_CONFIG_HOME: "conf" }]) {
      expect(defaultStorePath(env, "/home/ann")).toBe("/home/ann/.config/first-mate/first-mate.db");
    }
  });
});
