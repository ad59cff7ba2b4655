// Threat-intel feed parsing: plain lists and STIX 2.1 bundles.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parsePlainList, parseStixBundle } from "../../src/core/intel.ts";

describe("parsePlainList", () => {
  it("reads one address or CIDR per line, skipping comments and blank lines", () => {
    const text = "# Example feed\n\n198.51.100.7\n203.0.113.0/24   # scanners\n2001:db8::/32\n1.10.16.0/20 ; SBL256894\n";
    assert.deepEqual(parsePlainList(text, "example"), {
      entries: [
        { cidr: "198.51.100.7/32", source: "example:3" },
        { cidr: "203.0.113.0/24", source: "example:4" },
        { cidr: "2001:db8::/32", source: "example:5" },
        { cidr: "1.10.16.0/20", source: "example:6" },
      ],
      errors: [],
    });
  });

  it("tolerates CRLF, a BOM and surrounding spaces", () => {
    const result = parsePlainList("\uFEFF198.51.100.7\r\n  203.0.113.9  \r\n");
    assert.deepEqual(result.entries.map((e) => e.cidr), ["198.51.100.7/32", "203.0.113.9/32"]);
    assert.equal(result.entries[0]?.source, "plain-list:1");
  });

  it("normalizes host bits and IPv4-mapped networks", () => {
    assert.deepEqual(parsePlainList("10.1.2.3/8\n::ffff:192.0.2.0/120").entries.map((e) => e.cidr), ["10.0.0.0/8", "192.0.2.0/24"]);
  });

  it("reports each invalid line with its number instead of dropping it", () => {
    const result = parsePlainList("198.51.100.7\nnot-an-ip\n10.0.0.0/33\n203.0.113.1 extra\n");
    assert.equal(result.entries.length, 1);
    assert.equal(result.errors.length, 3);
    assert.match(result.errors[0] ?? "", /^line 2: /);
    assert.match(result.errors[1] ?? "", /^line 3: /);
    assert.match(result.errors[2] ?? "", /^line 4: /);
  });

  it("quotes bad lines shortly and without control characters", () => {
    const result = parsePlainList(`${"x".repeat(10_000)}\u202e\n`);
    assert.equal(result.errors.length, 1);
    assert.ok((result.errors[0] ?? "").length < 120);
    assert.doesNotMatch(result.errors[0] ?? "", /\u202e/);
  });

  it("caps the number of errors for a feed that is entirely garbage", () => {
    const result = parsePlainList("junk\n".repeat(10_000));
    assert.equal(result.errors.length, 101);
    assert.match(result.errors[100] ?? "", /9900 more errors/);
  });

  it("returns nothing for an empty feed", () => {
    assert.deepEqual(parsePlainList(""), { entries: [], errors: [] });
  });
});

const indicator = (fields: Record<string, unknown>) => ({
  type: "indicator",
  spec_version: "2.1",
  id: "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
  created: "2024-01-01T00:00:00.000Z",
  modified: "2024-01-01T00:00:00.000Z",
  valid_from: "2024-01-01T00:00:00Z",
  pattern_type: "stix",
  ...fields,
});
const bundle = (...objects: unknown[]) => ({ type: "bundle", id: "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d", objects });

describe("parseStixBundle", () => {
  it("reads ipv4-addr and ipv6-addr objects by value", () => {
    const result = parseStixBundle(
      bundle(
        { type: "ipv4-addr", spec_version: "2.1", id: "ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd", value: "198.51.100.3" },
        { type: "ipv4-addr", id: "ipv4-addr--1", value: "203.0.113.0/24" },
        { type: "ipv6-addr", id: "ipv6-addr--1", value: "2001:0db8::/96" },
      ),
    );
    assert.deepEqual(result, {
      entries: [
        { cidr: "198.51.100.3/32", source: '"ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd"' },
        { cidr: "203.0.113.0/24", source: '"ipv4-addr--1"' },
        { cidr: "2001:db8::/96", source: '"ipv6-addr--1"' },
      ],
      errors: [],
    });
  });

  it("reads an indicator's address and turns valid_until into the expiry", () => {
    const result = parseStixBundle(bundle(indicator({ pattern: "[ipv4-addr:value = '198.51.100.1']", valid_until: "2025-01-01T00:00:00Z" })));
    assert.deepEqual(result.entries, [
      { cidr: "198.51.100.1/32", expiresAt: Date.parse("2025-01-01T00:00:00Z"), source: '"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"' },
    ]);
    assert.deepEqual(result.errors, []);
  });

  it("reads OR'ed comparisons, inside and across observation expressions", () => {
    const result = parseStixBundle(
      bundle(
        indicator({
          pattern:
            "[ipv4-addr:value = '198.51.100.1' OR ipv6-addr:value = '2001:db8::/32'] OR [ipv4-addr:value ISSUBSET '203.0.113.0/24'] OR ([ipv4-addr:value IN ('192.0.2.1', '192.0.2.2')])",
        }),
      ),
    );
    assert.deepEqual(result.entries.map((e) => e.cidr), ["198.51.100.1/32", "2001:db8::/32", "203.0.113.0/24", "192.0.2.1/32", "192.0.2.2/32"]);
    assert.deepEqual(result.errors, []);
  });

  it("keeps the address of an OR'ed pattern that also matches other kinds of object", () => {
    const result = parseStixBundle(bundle(indicator({ pattern: "[domain-name:value = 'evil.example' OR ipv4-addr:value = '198.51.100.9']" })));
    assert.deepEqual(result.entries.map((e) => e.cidr), ["198.51.100.9/32"]);
  });

  it("skips revoked indicators and indicators in other pattern languages", () => {
    const result = parseStixBundle(
      bundle(
        indicator({ pattern: "[ipv4-addr:value = '198.51.100.1']", revoked: true }),
        indicator({ pattern_type: "snort", pattern: "alert tcp any any -> 198.51.100.2 any" }),
        indicator({ pattern_type: "yara", pattern: "rule x { condition: true }" }),
      ),
    );
    assert.deepEqual(result, { entries: [], errors: [] });
  });

  it("skips non-address indicators and other object types quietly", () => {
    const result = parseStixBundle(
      bundle(
        indicator({ pattern: "[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']" }),
        indicator({ pattern: "[url:value = 'http://evil.example/x']" }),
        { type: "malware", id: "malware--1", name: "x", is_family: false },
        { type: "relationship", id: "relationship--1", relationship_type: "indicates" },
      ),
    );
    assert.deepEqual(result, { entries: [], errors: [] });
  });

  it("reports patterns it cannot reduce to an address list, rather than over-blocking", () => {
    const patterns = [
      "[ipv4-addr:value = '198.51.100.1' AND network-traffic:dst_port = 443]",
      "[ipv4-addr:value = '198.51.100.1'] FOLLOWEDBY [ipv4-addr:value = '198.51.100.2']",
      "[ipv4-addr:value != '198.51.100.1']",
      "[ipv4-addr:value NOT = '198.51.100.1']",
      "[ipv4-addr:value = '198.51.100.1'] WITHIN 300 SECONDS",
      "[ipv4-addr:value = '198.51.100.1'] START t'2024-01-01T00:00:00Z' STOP t'2024-02-01T00:00:00Z'",
      "[ipv4-addr:value LIKE '198.51.%']",
      "[ipv4-addr:value = ]",
      "[ipv4-addr:value IN ('198.51.100.1'",
      "[ipv4-addr:value = '198.51.100.1' ; DROP]",
      "",
    ];
    const result = parseStixBundle(bundle(...patterns.map((pattern, i) => indicator({ id: `indicator--${i}`, pattern }))));
    assert.deepEqual(result.entries, []);
    assert.equal(result.errors.length, patterns.length);
    result.errors.forEach((error, i) => assert.ok(error.startsWith(`"indicator--${i}": `), error));
    assert.match(result.errors[9] ?? "", /unexpected text at offset 34/);
  });

  it("reports bad values, bad timestamps and malformed objects with where they are", () => {
    const result = parseStixBundle(
      bundle(
        { type: "ipv4-addr", id: "ipv4-addr--bad", value: "999.1.1.1" },
        { type: "ipv6-addr", value: 42 },
        indicator({ id: "indicator--ts", pattern: "[ipv4-addr:value = '198.51.100.1']", valid_until: "next tuesday" }),
        indicator({ id: "indicator--v", pattern: "[ipv4-addr:value = 'evil.example']" }),
        indicator({ id: "indicator--np", pattern: undefined }),
        indicator({ id: "indicator--pt", pattern_type: undefined, pattern: "[ipv4-addr:value = '198.51.100.1']" }),
        "not an object",
      ),
    );
    assert.deepEqual(result.entries, []);
    assert.equal(result.errors.length, 7);
    assert.match(result.errors[0] ?? "", /^"ipv4-addr--bad": /);
    assert.match(result.errors[1] ?? "", /^objects\[1\]: /);
    assert.match(result.errors[2] ?? "", /^"indicator--ts": valid_until/);
    assert.match(result.errors[3] ?? "", /^"indicator--v": /);
    assert.match(result.errors[4] ?? "", /^"indicator--np": /);
    assert.match(result.errors[5] ?? "", /^"indicator--pt": /);
    assert.match(result.errors[6] ?? "", /^objects\[6\]: not an object/);
  });

  it("handles escaped quotes in string literals", () => {
    const result = parseStixBundle(bundle(indicator({ pattern: "[ipv4-addr:value = '198.51.100.1\\'']" })));
    assert.equal(result.errors.length, 1);
    assert.match(result.errors[0] ?? "", /198\.51\.100\.1'/);
  });

  it("accepts a bundle without objects", () => {
    assert.deepEqual(parseStixBundle({ type: "bundle", id: "bundle--1" }), { entries: [], errors: [] });
  });

  it("refuses anything that is not a bundle with BWK_INVALID_ARGUMENT", () => {
    for (const input of [null, [], "bundle", 42, {}, { type: "indicator" }, { type: "bundle", objects: {} }]) {
      assert.throws(() => parseStixBundle(input), { code: "BWK_INVALID_ARGUMENT" }, JSON.stringify(input));
    }
  });

  it("parses a long OR pattern in linear time", { timeout: 60_000 }, () => {
    const pattern = `[${Array.from({ length: 20_000 }, (_, i) => `ipv4-addr:value = '10.${(i >> 8) & 255}.${i & 255}.1'`).join(" OR ")}]`;
    assert.equal(parseStixBundle(bundle(indicator({ pattern }))).entries.length, 20_000);
  });
});
