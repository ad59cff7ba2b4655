// The Quarantine service: what it records, what a stage's gate refuses (and records as a security
// event), that it retires the function's sandboxes in that stage, and that it starts from what the
// store kept.
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { describe, it } from "node:test";
import { Quarantine } from "../../src/control/quarantine.ts";
import { isBulwarkError } from "../../src/core/errors.ts";
import type { SecurityEventInput } from "../../src/security/recorder.ts";
import { SqliteQuarantineStore } from "../../src/store/sqlite/quarantine.ts";

function fixture(db = new DatabaseSync(":memory:")) {
  const events: SecurityEventInput[] = [];
  const record = (e: SecurityEventInput) => (events.push(e), { ...e, id: "1", time: "t" });
  /** Each retirement, and whether the function's gate already refused it when it came. */
  const retired: string[] = [];
  const quarantine: Quarantine = new Quarantine(new SqliteQuarantineStore(db), { record }, async (stage, fn) => {
    retired.push(`${stage}:${fn}:${quarantine.get(stage, fn) === undefined ? "admitting" : "refusing"}`);
  });
  return { db, events, retired, quarantine };
}

const AT = new Date("2025-01-01T00:00:00.000Z");

describe("Quarantine", () => {
  it("lets everything run until a function is quarantined, then refuses it in its stage only", async () => {
    const { quarantine } = fixture();
    const prod = quarantine.gate("prod");
    prod("charge", { requestId: "r0" });
    await quarantine.set("prod", "charge", "suspected exfiltration", "olga", AT);
    assert.throws(() => prod("charge", { requestId: "r1" }), (e) => isBulwarkError(e) && e.code === "BWK_QUARANTINED" && e.status === 503 && !e.message.includes("exfiltration"));
    prod("refund", { requestId: "r2" });
    quarantine.gate("dev")("charge", { requestId: "r3" });
  });

  it("records each refusal as a security event naming the function, stage, caller and principal", async () => {
    const { quarantine, events } = fixture();
    await quarantine.set("dev", "charge", "why", "olga", AT);
    const gate = quarantine.gate("dev");
    assert.throws(() => gate("charge", { requestId: "r1", caller: { function: "checkout" } }));
    assert.throws(() => gate("charge", { requestId: "r2", identity: { subject: "key:ci", roles: [], via: "apiKey" } }));
    assert.deepEqual(
      events.map((e) => [e.type, e.severity, e.function, e.requestId, e.principal ?? null, e.details]),
      [
        ["quarantine.refused", "medium", "charge", "r1", null, { stage: "dev", caller: "checkout" }],
        ["quarantine.refused", "medium", "charge", "r2", "key:ci", { stage: "dev" }],
      ],
    );
  });

  it("retires the function's sandboxes in its stage only, once its gate refuses it", async () => {
    const { quarantine, retired } = fixture();
    await quarantine.set("dev", "charge", "why", "olga", AT);
    assert.deepEqual(retired, ["dev:charge:refusing"]);
  });

  it("releases what was quarantined, returning its entry; releasing twice is BWK_NOT_FOUND", async () => {
    const { quarantine } = fixture();
    await quarantine.set("prod", "charge", "why", "olga", AT);
    assert.deepEqual(quarantine.release("prod", "charge"), { stage: "prod", function: "charge", reason: "why", by: "olga", at: AT.toISOString() });
    quarantine.gate("prod")("charge", { requestId: "r1" });
    assert.throws(() => quarantine.release("prod", "charge"), (e) => isBulwarkError(e) && e.code === "BWK_NOT_FOUND");
  });

  it("starts from what the store kept: a quarantine survives a restart", async () => {
    const first = fixture();
    await first.quarantine.set("prod", "charge", "why", "olga", AT);
    const again = fixture(first.db);
    assert.equal(again.quarantine.get("prod", "charge")?.by, "olga");
    assert.throws(() => again.quarantine.gate("prod")("charge", { requestId: "r1" }));
  });
});
