import { describe, expect, it } from "vitest";
import { sharedSchemaValidator } from "../src/sharedSchemaValidator.js";

describe("sharedSchemaValidator", () => {
  it("sessions do not each build an Ajv instance: every call returns the one validator", () => {
    expect(sharedSchemaValidator()).toBe(sharedSchemaValidator());
  });

  it("still validates (formats included) for whichever session asks", () => {
    const validate = sharedSchemaValidator().getValidator<{ mail: string }>({
      type: "object",
      properties: { mail: { type: "string", format: "email" } },
      required: ["mail"],
    });
    expect(validate({ mail: "a@example.org" }).valid).toBe(true);
    expect(validate({ mail: "not an address" }).valid).toBe(false);
  });
});
