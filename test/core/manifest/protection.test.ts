// The manifest's edge-protection keys: route input/maxBody/contentTypes/waf/rateLimit, the app's
// limits and network lists. Only what was written is kept; mistakes point at their line and field.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseManifest, validateManifestObject } from "../../../src/core/manifest/parse.ts";
import { assertAt, invalidYaml, lines } from "./expect-invalid.ts";

/** Function f with one trigger `http` (line 5); `extra` lines go after `app:` (line 2 on). */
function app(http: string, ...extra: string[]): string {
  return lines("app: shop", ...extra, "functions:", "  f:", "    handler: f.ts", `    triggers: [{ http: ${http} }]`);
}

const trigger = (text: string) => parseManifest(text, "bulwark.yaml").manifest.functions["f"]!.triggers[0]!;

describe("manifest route protection", () => {
  it("keeps an unprotected route exactly as before (no defaults written into the spec)", () => {
    assert.deepEqual({ ...trigger(app("{ method: POST, path: /x, auth: none }")) }, { kind: "http", method: "POST", path: "/x", auth: "none" });
  });

  it("normalizes input, maxBody, waf and rateLimit", () => {
    const t = trigger(app('{ method: POST, path: /x, auth: none, input: ./schemas/x.json, maxBody: 256Ki, waf: detect, rateLimit: "20/s" }'));
    assert.equal(t.input, "schemas/x.json");
    assert.equal(t.maxBodyBytes, 256 * 1024);
    assert.equal(t.waf, "detect");
    assert.deepEqual(t.rateLimit, { perSecond: 20, burst: 20, text: "20/s" });
  });

  it("reads a rate with an explicit burst, per minute or per hour", () => {
    const t = trigger(app('{ method: POST, path: /x, auth: none, rateLimit: { rate: "30/m", burst: 5 } }'));
    assert.deepEqual(t.rateLimit, { perSecond: 0.5, burst: 5, text: "30/m" });
  });

  it("applies a function-level input to the routes that carry a body, not to GET or a route with contentTypes", () => {
    const text = lines(
      "app: shop",
      "functions:",
      "  f:",
      "    handler: f.ts",
      "    input: schemas/order.json",
      "    triggers:",
      "      - http: { method: POST, path: /orders, auth: none }",
      "      - http: { method: GET, path: /orders, auth: none }",
      "      - http: { method: PUT, path: '/orders/{id}', auth: none, input: schemas/update.json }",
      "      - http: { method: POST, path: /orders/import, auth: none, contentTypes: [text/csv] }",
    );
    const [post, get, put, upload] = parseManifest(text, "bulwark.yaml").manifest.functions["f"]!.triggers;
    assert.equal(post!.input, "schemas/order.json");
    assert.equal(get!.input, undefined);
    assert.equal(put!.input, "schemas/update.json");
    assert.equal(upload!.input, undefined, "a route that names its media types opts out");
  });

  it("refuses a schema path that leaves the app directory or is not JSON (CWE-22)", () => {
    for (const path of ["../secret.json", "/etc/schema.json", "schemas//x.json", "schema.yaml", "C:/x.json", "a\\\\b.json"]) {
      assertAt(invalidYaml(app(`{ method: POST, path: /x, auth: none, input: "${path}" }`)), 5, "functions.f.triggers[0].http.input");
    }
  });

  it("refuses input on a GET route, which has no body", () => {
    assertAt(invalidYaml(app("{ method: GET, path: /x, auth: none, input: x.json }")), 5, "functions.f.triggers[0].http.input");
  });

  it("refuses contentTypes next to input: such a route takes JSON only", () => {
    assertAt(invalidYaml(app("{ method: POST, path: /x, auth: none, input: x.json, contentTypes: [text/plain] }")), 5, "functions.f.triggers[0].http.contentTypes");
  });

  it("refuses a media type that is not lower-case type/subtype", () => {
    assertAt(invalidYaml(app("{ method: POST, path: /x, auth: none, contentTypes: [Text/Plain] }")), 5, "functions.f.triggers[0].http.contentTypes[0]");
    assertAt(invalidYaml(app("{ method: POST, path: /x, auth: none, contentTypes: [json] }")), 5, "functions.f.triggers[0].http.contentTypes[0]");
  });

  it("refuses a maxBody that is not a binary size or is above 4Mi", () => {
    assertAt(invalidYaml(app("{ method: POST, path: /x, auth: none, maxBody: 1MB }")), 5, "functions.f.triggers[0].http.maxBody");
    assertAt(invalidYaml(app("{ method: POST, path: /x, auth: none, maxBody: 5Mi }")), 5, "functions.f.triggers[0].http.maxBody");
    assertAt(invalidYaml(app("{ method: POST, path: /x, auth: none, maxBody: -1 }")), 5, "functions.f.triggers[0].http.maxBody");
  });

  it("refuses an unknown waf mode and malformed rates", () => {
    assertAt(invalidYaml(app("{ method: POST, path: /x, auth: none, waf: monitor }")), 5, "functions.f.triggers[0].http.waf");
    for (const rate of ['"100"', '"100/d"', '"0/s"', '"1.5/s"', "off"]) {
      assertAt(invalidYaml(app(`{ method: POST, path: /x, auth: none, rateLimit: ${rate} }`)), 5, "functions.f.triggers[0].http.rateLimit");
    }
    assertAt(invalidYaml(app('{ method: POST, path: /x, auth: none, rateLimit: { rate: "5/s", burst: 0 } }')), 5, "functions.f.triggers[0].http.rateLimit.burst");
  });
});

describe("manifest app limits and network lists", () => {
  const route = "{ method: POST, path: /x, auth: none }";

  it("keeps only the limits written, with off switching a default off", () => {
    const { manifest } = parseManifest(app(route, 'limits: { perIp: { rate: "10/s", burst: 40 }, perKey: off, authFailuresPerIp: "5/m" }'), "bulwark.yaml");
    assert.deepEqual(manifest.limits, {
      perIp: { perSecond: 10, burst: 40, text: "10/s" },
      perKey: "off",
      authFailuresPerIp: { perSecond: 5 / 60, burst: 5, text: "5/m" },
    });
  });

  it("has no limits or network when none are written", () => {
    const { manifest } = parseManifest(app(route), "bulwark.yaml");
    assert.equal(manifest.limits, undefined);
    assert.equal(manifest.network, undefined);
  });

  it("refuses an unknown limit name", () => {
    assertAt(invalidYaml(app(route, 'limits: { perUser: "1/s" }')), 2, "limits.perUser");
  });

  it("writes IPv4 and IPv6 entries back as canonical CIDRs", () => {
    const { manifest } = parseManifest(app(route, 'network: { allow: [10.1.2.3/8, "2001:DB8::/32", "::ffff:192.0.2.1"], deny: [203.0.113.7] }'), "bulwark.yaml");
    assert.deepEqual(manifest.network, { allow: ["10.0.0.0/8", "2001:db8::/32", "192.0.2.1/32"], deny: ["203.0.113.7/32"] });
  });

  it("refuses an entry that is not an address or CIDR, naming its index", () => {
    assertAt(invalidYaml(app(route, "network: { deny: [203.0.113.7, 300.1.1.1] }")), 2, "network.deny[1]");
    assertAt(invalidYaml(app(route, "network: { allow: [10.0.0.0/33] }")), 2, "network.allow[0]");
    assertAt(invalidYaml(app(route, "network: { allow: [010.0.0.1] }")), 2, "network.allow[0]");
  });

  it("validates the same keys when the manifest arrives as JSON", () => {
    const raw = {
      app: "a",
      limits: { perIp: "off" },
      network: { deny: ["198.51.100.0/24"] },
      functions: { f: { handler: "f.ts", triggers: [{ http: { method: "POST", path: "/x", auth: "none", waf: "off", maxBody: 1024 } }] } },
    };
    const manifest = validateManifestObject(raw, "manifest");
    assert.deepEqual(manifest.limits, { perIp: "off" });
    assert.equal(manifest.functions["f"]!.triggers[0]!.maxBodyBytes, 1024);
  });
});
