// permissionsSchema (as ajv compiles it into the manifest schema) and compilePolicy's own re-check
// must agree on every block: a grant one accepts and the other refuses is a policy nobody wrote.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Ajv } from "ajv";
import { compilePolicy, parseEgressGrant, type Permissions, permissionsSchema } from "../../../src/core/policy/index.ts";

const validate = new Ajv({ allErrors: true, strict: true }).compile(permissionsSchema);

function compiles(block: unknown): boolean {
  try {
    compilePolicy("charge", block as Permissions);
    return true;
  } catch (e) {
    assert.equal((e as { code?: string }).code, "BWK_MANIFEST_INVALID");
    return false;
  }
}

const accepted: Array<[string, unknown]> = [
  ["empty block", {}],
  ["the design's example", {
    secrets: ["PSP_API_KEY"],
    kv: { ledger: ["read", "write"], cache: ["read"] },
    objects: { receipts: ["read", "write"] },
    invoke: ["fraud-score"],
    egress: ["psp.example.com:443", "10.0.0.5:8080"],
  }],
  ["empty lists", { secrets: [], invoke: [], egress: [], kv: {}, objects: {} }],
  ["128-character secret name", { secrets: [`A${"B".repeat(127)}`] }],
  ["63-character namespace", { kv: { [`a${"b".repeat(62)}`]: ["read"] } }],
  ["write only", { objects: { receipts: ["write"] } }],
  ["wildcard egress", { egress: ["*.example.com:443"] }],
  ["single-label host", { egress: ["redis:6379"] }],
  ["punycode host", { egress: ["xn--bcher-kva.example:443"] }],
  ["IPv6 egress", { egress: ["[2001:db8::1]:443", "[::ffff:10.0.0.5]:80", "[::1]:1"] }],
  ["highest port", { egress: ["a.example:65535"] }],
  ["253-character host", { egress: [`${"a.".repeat(123)}example:443`] }],
];

const refused: Array<[string, unknown]> = [
  ["not an object", ["secrets"]],
  ["null", null],
  ["unknown section", { queues: ["jobs"] }],
  ["misspelled section", { secret: ["PSP_API_KEY"] }],
  ["lower-case secret", { secrets: ["psp_api_key"] }],
  ["secret with a dash", { secrets: ["PSP-KEY"] }],
  ["secret starting with a digit", { secrets: ["1KEY"] }],
  ["129-character secret", { secrets: [`A${"B".repeat(128)}`] }],
  ["secret wildcard", { secrets: ["*"] }],
  ["secrets as a string", { secrets: "PSP_API_KEY" }],
  ["duplicate secret", { secrets: ["A", "A"] }],
  ["secret not a string", { secrets: [42] }],
  ["rights as a string", { kv: { ledger: "write" } }],
  ["unknown right", { kv: { ledger: ["admin"] } }],
  ["upper-case right", { kv: { ledger: ["READ"] } }],
  ["no rights", { kv: { ledger: [] } }],
  ["duplicate right", { kv: { ledger: ["read", "read"] } }],
  ["namespace with a slash", { kv: { "ledger/../x": ["read"] } }],
  ["namespace upper case", { kv: { Ledger: ["read"] } }],
  ["namespace __proto__", JSON.parse('{"kv":{"__proto__":["read"]}}')],
  ["namespace wildcard", { objects: { "*": ["read"] } }],
  ["64-character namespace", { kv: { [`a${"b".repeat(63)}`]: ["read"] } }],
  ["kv as a list", { kv: ["ledger"] }],
  ["invoke upper case", { invoke: ["FraudScore"] }],
  ["invoke with a path", { invoke: ["../admin"] }],
  ["egress without port", { egress: ["psp.example.com"] }],
  ["egress port 0", { egress: ["psp.example.com:0"] }],
  ["egress port 65536", { egress: ["psp.example.com:65536"] }],
  ["egress port with leading zero", { egress: ["psp.example.com:0443"] }],
  ["egress with scheme", { egress: ["https://psp.example.com:443"] }],
  ["egress with path", { egress: ["psp.example.com:443/x"] }],
  ["egress upper-case host", { egress: ["PSP.example.com:443"] }],
  ["egress trailing dot", { egress: ["psp.example.com.:443"] }],
  ["egress bare wildcard", { egress: ["*:443"] }],
  ["egress mid-label wildcard", { egress: ["api*.example.com:443"] }],
  ["egress inner wildcard", { egress: ["api.*.com:443"] }],
  ["egress double wildcard", { egress: ["*.*.example.com:443"] }],
  ["egress wildcard port", { egress: ["psp.example.com:*"] }],
  ["egress wildcard IP", { egress: ["*.0.0.1:443"] }],
  ["egress IPv4 octet 256", { egress: ["256.0.0.1:443"] }],
  ["egress IPv4 leading zero", { egress: ["010.0.0.1:443"] }],
  ["egress short IPv4 (URL would read 1.2.0.3)", { egress: ["1.2.3:443"] }],
  ["egress hex IPv4", { egress: ["0x7f.0.0.1:443"] }],
  ["egress numeric last label", { egress: ["example.123:443"] }],
  ["egress IPv6 without brackets", { egress: ["::1:443"] }],
  ["egress IPv6 with zone", { egress: ["[fe80::1%eth0]:443"] }],
  ["egress IPv6 upper case", { egress: ["[2001:DB8::1]:443"] }],
  ["egress IPv6 two ::", { egress: ["[1::2::3]:443"] }],
  ["egress label too long", { egress: [`${"a".repeat(64)}.example:443`] }],
  ["egress name too long", { egress: [`${"a.".repeat(127)}example:443`] }],
  ["egress label ending in -", { egress: ["a-.example:443"] }],
  ["egress userinfo", { egress: ["user@psp.example.com:443"] }],
  ["egress whitespace", { egress: [" psp.example.com:443"] }],
  ["egress newline", { egress: ["psp.example.com:443\n"] }],
  ["257 secrets", { secrets: Array.from({ length: 257 }, (_, i) => `S${i}`) }],
];

describe("permissionsSchema and compilePolicy", () => {
  for (const [name, block] of accepted) {
    test(`accept: ${name}`, () => {
      assert.equal(validate(block), true, JSON.stringify(validate.errors));
      assert.equal(compiles(block), true);
    });
  }
  for (const [name, block] of refused) {
    test(`refuse: ${name}`, () => {
      assert.equal(validate(block), false);
      assert.equal(compiles(block), false);
    });
  }
});

describe("compilePolicy options", () => {
  test("refuses a tenant id that could leave its partition", () => {
    for (const tenant of ["", "a/b", "..", "../x", "a b", "-x"]) {
      assert.throws(() => compilePolicy("charge", {}, { tenant }), { code: "BWK_INVALID_ARGUMENT" }, tenant);
    }
  });
});

describe("parseEgressGrant", () => {
  test("prints IPv6 grants in the form WHATWG URL gives hosts", () => {
    assert.equal(parseEgressGrant("[::ffff:10.0.0.5]:80")?.text, "[::ffff:a00:5]:80");
    assert.equal(parseEgressGrant("[2001:db8:0:0:0:0:0:1]:443")?.text, "[2001:db8::1]:443");
  });
  test("splits a wildcard into its domain", () => {
    assert.deepEqual(parseEgressGrant("*.example.com:443"), { text: "*.example.com:443", host: "example.com", port: 443, wildcard: true });
  });
});
