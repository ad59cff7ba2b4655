import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { timeOrAge } from "../../../src/cli/commands/age.ts";
import { parseActor } from "../../../src/cli/commands/audit.ts";
import { hostPort } from "../../../src/cli/commands/siem.ts";

describe("audit query --actor", () => {
  it("reads TYPE:ID, TYPE: and a bare ID", () => {
    assert.deepEqual(parseActor("user:admin"), { type: "user", id: "admin" });
    assert.deepEqual(parseActor("function:"), { type: "function" });
    assert.deepEqual(parseActor("admin"), { id: "admin" });
  });

  it("keeps an id with colons whole (an IPv6 client of an anonymous actor)", () => {
    assert.deepEqual(parseActor("::1"), { id: "::1" });
    assert.deepEqual(parseActor("anonymous:::1"), { type: "anonymous", id: "::1" });
  });
});

describe("siem add --syslog HOST:PORT", () => {
  it("reads a host name, an IPv4 and a bracketed IPv6 address", () => {
    assert.deepEqual(hostPort("siem.example.com:6514"), { host: "siem.example.com", port: 6514 });
    assert.deepEqual(hostPort("10.0.0.5:514"), { host: "10.0.0.5", port: 514 });
    assert.deepEqual(hostPort("[::1]:514"), { host: "::1", port: 514 });
  });

  for (const bad of ["siem.example.com", "host:0", "host:70000", "[nonsense]:514", "::1:514", "a:b:514"]) {
    it(`refuses ${bad}`, () => {
      assert.throws(() => hostPort(bad), { code: "BWK_USAGE" });
    });
  }
});

describe("--since and --until of events and audit query", () => {
  const now = Date.parse("2026-01-31T12:00:00Z");

  it("reads an age before now, and passes an ISO 8601 time on as typed", () => {
    assert.equal(timeOrAge("since", "2h", now), "2026-01-31T10:00:00.000Z");
    assert.equal(timeOrAge("since", "7d", now), "2026-01-24T12:00:00.000Z");
    assert.equal(timeOrAge("until", "2026-01-30", now), "2026-01-30");
  });

  it("refuses anything else in one line naming the option and both forms", () => {
    assert.throws(() => timeOrAge("since", "yesterday", now), {
      code: "BWK_USAGE",
      message: '--since must be an age like 30m, 12h or 7d, or an ISO 8601 time like 2025-01-31T12:00:00Z, got "yesterday"',
    });
  });
});
