// The function log sink on a real state database: what is stored is redacted per function, keeps
// the trace id, and is cut only after redaction.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { LogWriter } from "../../src/control/log-writer.ts";
import { openDatabase } from "../../src/store/sqlite/open.ts";
import { SqliteStateStore } from "../../src/store/sqlite/state.ts";

let dir: string;
let state: SqliteStateStore;
const SECRET = "psp-live-key-0c1d2e3f";

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "bulwark-logs-"));
  state = new SqliteStateStore(openDatabase(join(dir, "bulwark.db")));
});

afterEach(() => {
  state.close();
  rmSync(dir, { recursive: true, force: true });
});

function line(fn: string, message: string, traceId?: string) {
  return { function: fn, version: 1, requestId: "req-1", level: "info" as const, message, ...(traceId && { traceId }) };
}

describe("LogWriter", () => {
  it("redacts each function's configured PII paths, and only its own", () => {
    const logs = new LogWriter(state);
    logs.setRedaction(new Map([["signup", ["body.ssn"]], ["other", []]]));

    logs.add(line("signup", "{ ssn: '123-45-6789' }"));
    logs.add(line("other", "{ ssn: '123-45-6789' }"));
    logs.flush();

    assert.equal(state.readLogs("signup", 0, 10)[0]?.message, "{ ssn: '[REDACTED]' }");
    assert.equal(state.readLogs("other", 0, 10)[0]?.message, "{ ssn: '123-45-6789' }");
  });

  it("redacts secret values and credentials for every function, configured or not", () => {
    const logs = new LogWriter(state, { secretValues: () => [SECRET] });

    logs.add(line("unknown", `key=${SECRET} auth: Bearer abcdefgh12345678`));
    logs.flush();

    const message = state.readLogs("unknown", 0, 10)[0]?.message ?? "";
    assert.ok(!message.includes(SECRET) && !message.includes("abcdefgh12345678"), message);
  });

  it("stores the trace id of the invocation that logged", () => {
    const logs = new LogWriter(state);

    logs.add(line("fn", "hello", "4bf92f3577b34da6a3ce929d0e0e4736"));
    logs.flush();

    assert.equal(state.readLogs("fn", 0, 10)[0]?.traceId, "4bf92f3577b34da6a3ce929d0e0e4736");
  });

  it("attack: a secret straddling the length cut is still redacted (redact first, cut second)", () => {
    const logs = new LogWriter(state, { secretValues: () => [SECRET] });

    logs.add(line("fn", `${"x".repeat(8 * 1024 - 5)}${SECRET}`));
    logs.flush();

    const message = state.readLogs("fn", 0, 10)[0]?.message ?? "";
    assert.ok(!message.includes(SECRET.slice(0, 5)), "no prefix of the secret survives the cut");
    assert.match(message, /truncated\]$/);
  });
});
