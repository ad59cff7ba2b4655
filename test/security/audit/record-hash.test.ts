import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, test } from "node:test";
import { canonicalJson } from "../../../src/security/audit/index.ts";
import { genesisHash, recordHash } from "../../../src/security/audit/record-hash.ts";

const fields = {
  seq: 42, time: "2025-01-31T12:00:00.000Z", actorType: "user", actorId: "al\"ice\n", action: "secret.read",
  target: "PSP_API_KEY €", outcome: "success", requestId: null, prevHash: "a".repeat(64),
  detailsJson: canonicalJson({ function: "charge", version: 3, tags: ["x", null] }),
};

const sha256 = (text: string): string => createHash("sha256").update(text, "utf8").digest("hex");

describe("recordHash", () => {
  test("is SHA-256 over the canonical JSON of the record without its hash", () => {
    const record = {
      seq: fields.seq, time: fields.time, actor: { type: fields.actorType, id: fields.actorId }, action: fields.action,
      target: fields.target, outcome: fields.outcome, requestId: fields.requestId, prevHash: fields.prevHash,
      details: JSON.parse(fields.detailsJson),
    };
    assert.equal(recordHash(fields), sha256(canonicalJson(record)));
    assert.equal(recordHash({ ...fields, requestId: "req-1" }), sha256(canonicalJson({ ...record, requestId: "req-1" })));
  });

  test("changes when any field changes", () => {
    const base = recordHash(fields);
    for (const [name, value] of Object.entries(fields)) {
      const changed = typeof value === "number" ? value + 1 : value === null ? "x" : `${value} `;
      assert.notEqual(recordHash({ ...fields, [name]: changed }), base, name);
    }
  });
});

describe("genesisHash", () => {
  test("binds the log id", () => {
    assert.match(genesisHash("log-a"), /^[0-9a-f]{64}$/);
    assert.notEqual(genesisHash("log-a"), genesisHash("log-b"));
  });
});
