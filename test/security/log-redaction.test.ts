import assert from "node:assert/strict";
import { inspect } from "node:util";
import { describe, it } from "node:test";
import { createLogRedactor, lastKey } from "../../src/security/log-redaction.ts";

const SSN = "123-45-6789";

describe("createLogRedactor: configured PII paths", () => {
  const redact = createLogRedactor({ paths: ["body.ssn", "body.cards[*].pan", 'headers["x-patient-id"]'] });

  it("redacts the field in an object the handler logged (util.inspect text)", () => {
    const line = inspect({ body: { ssn: SSN, name: "Ada" } });

    const out = redact(line);

    assert.ok(!out.includes(SSN), out);
    assert.match(out, /ssn: '\[REDACTED\]'/);
    assert.match(out, /name: 'Ada'/);
  });

  it("redacts the field in a JSON string, and keeps the JSON valid", () => {
    const out = redact(JSON.stringify({ ssn: SSN, plan: "basic" }));

    assert.deepEqual(JSON.parse(out), { ssn: "[REDACTED]", plan: "basic" });
  });

  it("redacts the field in JSON inside a JSON string (an event body logged as part of the event)", () => {
    const out = redact(JSON.stringify({ body: JSON.stringify({ ssn: SSN }) }));

    assert.ok(!out.includes(SSN), out);
    assert.deepEqual(JSON.parse(JSON.parse(out).body), { ssn: "[REDACTED]" });
  });

  it("redacts whatever the letter case and in key=value text", () => {
    assert.equal(redact(`patient SSN=${SSN} admitted`), "patient SSN=[REDACTED] admitted");
  });

  it("redacts a value with spaces and escaped quotes whole", () => {
    const out = redact(JSON.stringify({ ssn: `12 "34" 56` }));

    assert.deepEqual(JSON.parse(out), { ssn: "[REDACTED]" });
  });

  it("redacts array elements by their key and odd key names in quotes", () => {
    const out = redact(inspect({ cards: [{ pan: "4111111111111111" }], headers: { "x-patient-id": "p-77" } }));

    assert.ok(!out.includes("4111111111111111") && !out.includes("p-77"), out);
  });

  it("leaves keys that only contain the name alone", () => {
    assert.equal(redact("company: acme, panel: 3, ssnote: x"), "company: acme, panel: 3, ssnote: x");
  });
});

describe("createLogRedactor: credentials, whatever the manifest says", () => {
  const redact = createLogRedactor();

  it("never writes an Authorization header of a logged event", () => {
    const out = redact(inspect({ headers: { authorization: "Bearer abc.def-ghi_jkl" } }));

    assert.ok(!out.includes("abc.def-ghi_jkl"), out);
  });

  it("never writes the cookies of a logged event", () => {
    const out = redact(inspect({ cookies: ["session=s3cr3t-session-id", "theme=dark"] }));

    assert.ok(!out.includes("s3cr3t-session-id"), out);
  });

  it("redacts secret values the broker hands out", () => {
    const redactSecrets = createLogRedactor({ secretValues: () => ["sk_live_0123456789"] });

    assert.equal(redactSecrets("calling psp with sk_live_0123456789"), "calling psp with [REDACTED]");
  });
});

describe("lastKey", () => {
  it("names the last key of a path", () => {
    assert.equal(lastKey("body.ssn"), "ssn");
    assert.equal(lastKey("body.cards[*].pan"), "pan");
    assert.equal(lastKey("tags[*]"), "tags");
    assert.equal(lastKey('headers["x-y"]'), "x-y");
  });
});
