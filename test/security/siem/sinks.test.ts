import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { validateSinkConfig } from "../../../src/security/siem/sinks.ts";
import { hasOpenssl, makeTestPki } from "./support.ts";

const https = { name: "siem", kind: "ocsf-https", url: "https://siem.example/ingest", token: "abc123" };
const syslog = { name: "syslog", kind: "syslog", host: "siem.example", port: 6514, tls: true };

describe("validateSinkConfig", () => {
  it("accepts the two kinds and fills the default batch size", () => {
    assert.deepEqual(validateSinkConfig(https), { ...https, url: "https://siem.example/ingest", batchSize: 100 });
    assert.deepEqual(validateSinkConfig({ ...syslog, host: "::1", tls: false }), { ...syslog, host: "::1", tls: false, batchSize: 100 });
  });

  const refused: Array<[string, unknown]> = [
    ["an http:// url (events and token in clear)", { ...https, url: "http://siem.example/" }],
    ["credentials in the url", { ...https, url: "https://user:pw@siem.example/" }],
    ["a relative url", { ...https, url: "/ingest" }],
    ["a token with CR/LF (header injection)", { ...https, token: "abc\r\nX-Evil: 1" }],
    ["a token with a space", { ...https, token: "abc def" }],
    ["an empty token", { ...https, token: "" }],
    ["an unknown option", { ...https, insecure: true }],
    ["an option of the other kind", { ...https, host: "x" }],
    ["a batch size of 0", { ...https, batchSize: 0 }],
    ["a batch size of 1e6", { ...https, batchSize: 1_000_000 }],
    ["a name with a slash", { ...https, name: "../x" }],
    ["an unknown kind", { ...https, kind: "ftp" }],
    ["a host with a space", { ...syslog, host: "a b" }],
    ["a port out of range", { ...syslog, port: 70000 }],
    ["a fractional port", { ...syslog, port: 514.5 }],
    ["tls not a boolean", { ...syslog, tls: "yes" }],
    ["a CA without TLS", { ...syslog, tls: false, ca: "x" }],
    ["a CA that is not a certificate", { ...syslog, ca: "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n" }],
    ["not an object", "https://siem.example"],
  ];
  for (const [what, config] of refused) {
    it(`refuses ${what}`, () => assert.throws(() => validateSinkConfig(config), { code: "BWK_INVALID_ARGUMENT" }));
  }

  it("accepts a real PEM CA", { skip: hasOpenssl() ? false : "openssl CLI not found" }, () => {
    const { ca } = makeTestPki();
    assert.equal(validateSinkConfig({ ...syslog, ca }).ca, ca);
  });
});
