// Input schemas: compiled once per content, strict, with the formats the platform knows, and a
// failure described by where and which keyword, never by the value.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { describeFailure, InputSchemas } from "../../src/edge/input-schema.ts";

const compile = (schema: Record<string, unknown>) => new InputSchemas().compile("s.json", schema);

describe("InputSchemas", () => {
  it("returns the same validator for the same content", () => {
    const schemas = new InputSchemas();
    assert.equal(schemas.compile("a.json", { type: "integer" }), schemas.compile("b.json", { type: "integer" }));
  });

  it("keeps two schemas with the same $id apart (one ajv per schema)", () => {
    const schemas = new InputSchemas();
    const a = schemas.compile("a.json", { $id: "https://x/s", type: "integer" });
    const b = schemas.compile("b.json", { $id: "https://x/s", type: "string" });
    assert.ok(a(1) && !a("1"));
    assert.ok(b("1") && !b(1));
  });

  it("never rewrites the body: no defaults, no coercion", () => {
    const validate = compile({ type: "object", properties: { n: { type: "integer", default: 5 }, s: { type: "string" } } });
    const body = { s: 1 } as Record<string, unknown>;
    assert.equal(validate(body), false);
    assert.deepEqual(body, { s: 1 });
  });

  it("checks the formats it knows, by the calendar and not only the shape", () => {
    const validate = (format: string, value: string) => compile({ type: "string", format })(value);
    assert.ok(validate("date", "2024-02-29"));
    assert.ok(!validate("date", "2023-02-29"));
    assert.ok(!validate("date", "2024-13-01"));
    assert.ok(validate("date-time", "2024-05-01T12:00:00Z"));
    assert.ok(validate("date-time", "2024-05-01T12:00:00.123+02:00"));
    assert.ok(!validate("date-time", "2024-05-01 12:00"));
    assert.ok(validate("email", "jane.o'brien+orders@example.co.uk"));
    assert.ok(!validate("email", "jane@localhost"));
    assert.ok(!validate("email", "<script>@example.com"));
    assert.ok(validate("uuid", "3f2a1b4c-0000-4000-8000-000000000001"));
    assert.ok(validate("uri", "https://shop.example.com/a?b=c"));
    assert.ok(!validate("uri", "/relative/path"));
    assert.ok(validate("ipv4", "203.0.113.7") && !validate("ipv4", "203.0.113.256"));
    assert.ok(validate("ipv6", "2001:db8::1") && !validate("ipv6", "203.0.113.7"));
    assert.ok(validate("hostname", "api.example.com") && !validate("hostname", "-bad-.example.com"));
  });

  it("refuses a format value longer than any real one before any pattern runs on it", () => {
    const validate = compile({ type: "string", format: "email" });
    assert.equal(validate(`${"a".repeat(100_000)}@example.com`), false);
    assert.equal(validate(`a@${"a-".repeat(50_000)}a.com`), false);
  });

  it("describes a failure by path and keyword only", () => {
    const validate = compile({ type: "object", properties: { card: { type: "string", maxLength: 4 } } });
    assert.equal(validate({ card: "4111111111111111" }), false);
    const failure = describeFailure(validate.errors?.[0]);
    assert.deepEqual({ ...failure }, { instancePath: "/card", keyword: "maxLength", schemaPath: "#/properties/card/maxLength", message: "must NOT have more than 4 characters" });
    assert.doesNotMatch(JSON.stringify(failure), /4111/);
  });
});
