import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { SecurityEvent } from "../../../src/security/events.ts";
import { escapeCefExtensionValue, escapeCefHeader, toCef } from "../../../src/security/siem/cef.ts";
import { FACILITY_AUTHPRIV, formatSyslog, frameOctetCounted, toSyslogCef } from "../../../src/security/siem/syslog.ts";
import { parseCef, parseOctetFrames, parseSyslog } from "./support.ts";

const options = { productVersion: "1.2.3" };

function event(overrides: Partial<SecurityEvent> = {}): SecurityEvent {
  return {
    id: "evt-1",
    time: "2025-02-03T04:05:06.789Z",
    type: "waf.match",
    severity: "high",
    route: "POST /charge",
    clientIp: "203.0.113.9",
    principal: "alice",
    function: "charge",
    ruleId: "sqli-001",
    reason: "union select",
    requestId: "req-1",
    ...overrides,
  };
}

describe("CEF escaping", () => {
  it("escapes pipes and backslashes in a header field and keeps it on one line", () => {
    assert.equal(escapeCefHeader("a|b\\c\r\nd\ne"), "a\\|b\\\\c d e");
  });

  it("escapes equals signs, backslashes and line breaks in an extension value", () => {
    assert.equal(escapeCefExtensionValue("k=v\\x\ny\rz|ok"), "k\\=v\\\\x\\ny\\rz|ok");
  });

  it("replaces other control characters and Unicode line separators", () => {
    assert.equal(escapeCefExtensionValue("a\u0000b\u0085c\u2028d\u001be"), "a b c d e");
  });
});

describe("toCef", () => {
  it("writes the header and the standard extension keys", () => {
    const { header, ext } = parseCef(toCef(event(), options));
    assert.deepEqual(header, ["CEF:0", "Bulwark", "Bulwark", "1.2.3", "waf.match", "WAF rule matched", "8"]);
    assert.deepEqual(ext, {
      rt: String(Date.parse("2025-02-03T04:05:06.789Z")),
      externalId: "evt-1",
      cat: "waf.match",
      msg: "union select",
      src: "203.0.113.9",
      suser: "alice",
      requestMethod: "POST",
      request: "/charge",
      cs1: "sqli-001", cs1Label: "ruleId",
      cs2: "charge", cs2Label: "function",
      cs3: "req-1", cs3Label: "requestId",
    });
  });

  it("does not let an attacker-chosen type forge header fields or severity", () => {
    const line = toCef(event({ type: "x|Evil|10|cs1=forged", reason: "r" }), options);
    const { header } = parseCef(line);
    assert.equal(header.length, 7);
    assert.equal(header[4], "x|Evil|10|cs1=forged");
    assert.equal(header[6], "8");
  });

  it("does not let a reason, principal or route forge extension fields or lines", () => {
    const reason = "ok src=6.6.6.6 cs1=forged\nCEF:0|x|x|x|x|x|10|act=allow\\";
    const line = toCef(event({ reason, principal: "bob suser=root", route: "/a=b" }), options);
    assert.equal(/[\r\n]/.test(line), false);
    const { ext } = parseCef(line);
    assert.equal(ext["msg"], reason);
    assert.equal(ext["suser"], "bob suser=root");
    assert.equal(ext["src"], "203.0.113.9");
    assert.equal(ext["cs1"], "sqli-001");
    assert.equal(ext["act"], undefined);
    assert.equal(ext["request"], "/a=b");
  });

  it("bounds long values and keeps the text well-formed when a cut falls inside a surrogate pair", () => {
    const { ext } = parseCef(toCef(event({ reason: `${"a".repeat(1022)}😀tail`, details: { body: "z".repeat(10_000) } }), options));
    assert.equal(ext["msg"]!.length, 1023);
    assert.equal(ext["msg"]!.endsWith("\uFFFD"), true);
    assert.equal(ext["cs6"]!.length, 2000);
  });

  it("formats event types that name Object.prototype members like any other", () => {
    for (const type of ["constructor", "__proto__", "toString", "hasOwnProperty"]) {
      const { header, ext } = parseCef(toCef(event({ type, details: { method: "__PROTO__" } }), options));
      assert.deepEqual(header.slice(4), [type, type, "8"]);
      assert.equal(ext["act"], undefined);
      assert.equal(ext["outcome"], undefined);
    }
  });

  it("puts IPv6 in c6a2 and drops a client address that is not an address", () => {
    assert.equal(parseCef(toCef(event({ clientIp: "2001:db8::1" }), options)).ext["c6a2"], "2001:db8::1");
    const { ext } = parseCef(toCef(event({ clientIp: "1.1.1.1 act=allow" }), options));
    assert.equal(ext["src"], undefined);
    assert.equal(ext["act"], undefined);
  });

  it("marks refusals with act and outcome", () => {
    const { ext } = parseCef(toCef(event({ type: "ip.denied" }), options));
    assert.equal(ext["act"], "blocked");
    assert.equal(ext["outcome"], "failure");
  });

  it("writes audit records with their sequence, target and actor", () => {
    const line = toCef({ seq: 3, time: "2025-02-03T04:05:06Z", actor: { type: "key", id: "ci" }, action: "deploy", target: "function:charge", outcome: "denied", requestId: null, details: { clientIp: "192.0.2.1" } }, options);
    const { header, ext } = parseCef(line);
    assert.deepEqual(header.slice(4), ["audit:deploy", "Audit: deploy", "5"]);
    assert.equal(ext["externalId"], "audit-3");
    assert.equal(ext["cn1"], "3");
    assert.equal(ext["cs4"], "function:charge");
    assert.equal(ext["cs5"], "key");
    assert.equal(ext["suser"], "ci");
    assert.equal(ext["outcome"], "denied");
    assert.equal(ext["src"], "192.0.2.1");
    assert.equal(ext["cs1"], undefined);
  });

  it("carries an audit record's chain hash and an anonymous actor's address", () => {
    const { ext } = parseCef(toCef({ seq: 4, time: "2025-02-03T04:05:06Z", actor: { type: "anonymous", id: "2001:db8::2" }, action: "auth.failure", target: "route:/x", outcome: "failure", hash: "cd".repeat(32) }, options));
    assert.equal(ext["cs1"], "cd".repeat(32));
    assert.equal(ext["cs1Label"], "recordHash");
    assert.equal(ext["c6a2"], "2001:db8::2");
  });
});

describe("RFC 5424 syslog with RFC 6587 framing", () => {
  it("computes PRI from facility and severity and renders the header", () => {
    const msg = toSyslogCef(event(), { ...options, hostname: "node-1", procId: "77" });
    const parsed = parseSyslog(msg);
    assert.equal(parsed.pri, FACILITY_AUTHPRIV * 8 + 3);
    assert.equal(parsed.timestamp, "2025-02-03T04:05:06.789Z");
    assert.deepEqual([parsed.hostname, parsed.appName, parsed.procId, parsed.msgId], ["node-1", "bulwark", "77", "waf.match"]);
    assert.ok(parsed.msg.startsWith("CEF:0|Bulwark|Bulwark|1.2.3|"));
  });

  it("keeps header fields to printable ASCII and their RFC lengths, so a field cannot shift the others", () => {
    const msg = formatSyslog({
      facility: 10, severity: 4, time: "not a time", hostname: "evil host\nx", appName: "", procId: "-",
      msgId: `type with spaces ${"m".repeat(40)}`, structuredData: "", msg: "m",
    });
    const parsed = parseSyslog(msg);
    assert.equal(parsed.timestamp, "-");
    assert.equal(parsed.hostname, "evil_host_x");
    assert.equal(parsed.appName, "-");
    assert.equal(parsed.msgId.length, 32);
    assert.equal(parsed.structuredData, "-");
  });

  it("escapes a hostile product version inside structured data", () => {
    const parsed = parseSyslog(toSyslogCef(event(), { productVersion: '1"] [x', hostname: "h" }));
    assert.equal(parsed.structuredData, '[origin software="Bulwark" swVersion="1\\"\\]_[x"]');
  });

  it("frames by octets, not characters, and a newline in a message cannot start another frame", () => {
    const a = frameOctetCounted("héllo ✓");
    assert.equal(a.toString("utf8"), `${Buffer.byteLength("héllo ✓")} héllo ✓`);
    const hostile = toSyslogCef(event({ reason: "x\n12 <13>1 - - - - - - forged" }), { ...options, hostname: "h" });
    const { frames, rest } = parseOctetFrames(Buffer.concat([a, frameOctetCounted(hostile)]));
    assert.equal(frames.length, 2);
    assert.equal(rest.length, 0);
    assert.equal(frames[1]!.includes(0x0a), false);
  });
});
