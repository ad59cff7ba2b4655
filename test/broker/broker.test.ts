// The broker against real stores: default deny with the missing grant named, every refusal a
// security event and an audit record, the caller taken from the channel only, tenants
// partitioned, tampered rows detected, and every call counted for `policy suggest`.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { brokerBench, type BrokerBench } from "./bench.ts";

const APP = `
app: shop
functions:
  charge:
    handler: charge.ts
    permissions:
      secrets: [PSP_KEY]
      kv: { ledger: [read, write] }
      objects: { receipts: [read, write] }
      invoke: [fraud-score]
  reader:
    handler: reader.ts
    permissions:
      kv: { ledger: [read] }
  fraud-score:
    handler: fraud.ts
`;

let b: BrokerBench;
before(async () => {
  b = await brokerBench();
  b.deploy(APP);
  b.secrets.set("PSP_KEY", "psp-secret-value");
  b.secrets.set("OTHER_KEY", "other-secret-value");
});
after(() => b.close());

function denied(reason: string, missing?: string) {
  return (e: unknown) => {
    const err = e as { code: string; extra: Record<string, unknown> };
    assert.equal(err.code, "BWK_PERMISSION_DENIED");
    assert.equal(err.extra["reason"], reason);
    if (missing !== undefined) assert.equal(err.extra["missing"], missing);
    return true;
  };
}

function lastEvent(type: string) {
  return b.events.query({ type }).at(-1);
}

function auditRecords(action: string) {
  b.flush();
  return b.audit.query({}).filter((r) => r.action === action);
}

describe("broker: granted calls", () => {
  it("reads a granted secret, audits the read durably with the function as actor", async () => {
    assert.equal(await b.call("charge", "secrets.get", ["PSP_KEY"]), "psp-secret-value");
    const read = b.audit.query({}).filter((r) => r.action === "secret.read").at(-1);
    assert.deepEqual([read?.actor, read?.target, read?.outcome], [{ type: "function", id: "charge" }, "secret:PSP_KEY", "success"]);
    assert.ok([...b.readSecrets.values()].includes("psp-secret-value"));
  });

  it("writes, reads, lists and deletes KV and objects", async () => {
    await b.call("charge", "kv.put", ["ledger", "order-1", "42"]);
    assert.equal(await b.call("charge", "kv.get", ["ledger", "order-1"]), "42");
    assert.equal(await b.call("reader", "kv.get", ["ledger", "order-1"]), "42");
    assert.deepEqual(await b.call("charge", "kv.list", ["ledger", "order-"]), ["order-1"]);
    await b.call("charge", "objects.put", ["receipts", "2025/01/r1.pdf", Buffer.from("%PDF").toString("base64")]);
    assert.equal(await b.call("charge", "objects.get", ["receipts", "2025/01/r1.pdf"]), Buffer.from("%PDF").toString("base64"));
    assert.deepEqual(await b.call("charge", "objects.list", ["receipts", "2025/"]), ["2025/01/r1.pdf"]);
    await b.call("charge", "objects.delete", ["receipts", "2025/01/r1.pdf"]);
    assert.equal(await b.call("charge", "objects.get", ["receipts", "2025/01/r1.pdf"]), null);
  });

  it("stores KV values encrypted: the plaintext is nowhere in the database", async () => {
    await b.call("charge", "kv.put", ["ledger", "card", "4111-1111-1111-1111"]);
    const row = b.db.prepare("SELECT ciphertext FROM kv WHERE key = 'card'").get() as { ciphertext: Uint8Array };
    assert.equal(Buffer.from(row.ciphertext).includes("4111"), false);
  });

  it("invokes a granted function through a workload token, as the calling function", async () => {
    const deadline = Date.now() + 5_000;
    assert.deepEqual(await b.call("charge", "invoke", ["fraud-score", { amount: 10 }], { deadline, depth: 2 }), { ran: "fraud-score" });
    assert.deepEqual(b.runs.at(-1), { fn: "fraud-score", payload: { amount: 10 }, invocation: { requestId: "req-1", caller: { function: "charge" }, depth: 3, deadline } });
  });
});

describe("broker: refusals", () => {
  it("refuses an undeclared secret, naming the missing grant, with an event and an audit record", async () => {
    await assert.rejects(b.call("charge", "secrets.get", ["OTHER_KEY"]), denied("not-granted", "secrets: [OTHER_KEY]"));
    const event = lastEvent("capability.denied");
    assert.equal(event?.function, "charge");
    assert.deepEqual(event?.details, { action: "secrets.get", resource: "OTHER_KEY", denyReason: "not-granted", version: 1, missing: "secrets: [OTHER_KEY]" });
    const record = auditRecords("capability.denied").at(-1);
    assert.deepEqual([record?.actor, record?.target, record?.outcome], [{ type: "function", id: "charge" }, "secrets.get:OTHER_KEY", "denied"]);
  });

  it("refuses a write where only read is granted", async () => {
    await assert.rejects(b.call("reader", "kv.put", ["ledger", "k", "v"]), denied("not-granted", "kv: { ledger: [write] }"));
  });

  it("takes the caller from the channel: arguments naming another function change nothing", async () => {
    // A forged call: extra fields claiming to be charge. The broker never reads them.
    const forged = { owner: { function: "fraud-score", version: 1 }, invocationId: "req-9", op: "secrets.get", args: ["PSP_KEY"], function: "charge", caller: "charge" };
    await assert.rejects(b.broker.handle(forged as never), denied("not-granted"));
    assert.equal(lastEvent("capability.denied")?.function, "fraud-score");
  });

  it("refuses unknown operations, calls outside an invocation and functions with no policy", async () => {
    await assert.rejects(b.call("charge", "secrets.list", []), denied("unknown-action"));
    await assert.rejects(b.call("charge", "__proto__", []), denied("unknown-action"));
    await assert.rejects(b.call("charge", "kv.get", ["ledger"]), denied("unknown-action"));
    await assert.rejects(b.call("charge", "kv.get", ["ledger", "k"], { invocationId: null }), denied("no-invocation"));
    await assert.rejects(b.call("ghost", "kv.get", ["ledger", "k"]), denied("unknown-function"));
  });

  it("records a fetch made after the handler returned by host:port, never with the URL's query", async () => {
    const url = "https://api.example.com/v1?key=psp-secret-value";
    await assert.rejects(b.call("charge", "fetch", [{ url, method: "GET", headers: [], body: null }], { invocationId: null }), denied("no-invocation"));
    assert.equal(lastEvent("capability.denied")?.details?.["resource"], "api.example.com:443");
    const record = auditRecords("capability.denied").at(-1);
    assert.equal(record?.target, "egress:api.example.com:443");
    assert.doesNotMatch(JSON.stringify([lastEvent("capability.denied"), record]), /psp-secret-value/);
  });

  it("refuses traversal in object keys and records it as a high-severity event", async () => {
    for (const key of ["../other/x", "/etc/passwd", "a/%2e%2e/b", "a/%252e%252e/b", "a\\..\\b", "C:/x", "a/..\u200b/b"]) {
      await assert.rejects(b.call("charge", "objects.get", ["receipts", key]), { code: "BWK_INVALID_ARGUMENT" });
      const event = lastEvent("broker.key_refused");
      assert.equal(event?.severity, "high");
      assert.equal(event?.function, "charge");
    }
  });

  it("enforces the namespace quota", async () => {
    const bench = await brokerBench({ kvQuota: { maxEntries: 1, maxBytes: 1000 } });
    try {
      bench.deploy(APP);
      await bench.call("charge", "kv.put", ["ledger", "a", "1"]);
      await assert.rejects(bench.call("charge", "kv.put", ["ledger", "b", "1"]), { code: "BWK_LIMIT_EXCEEDED" });
      await assert.rejects(bench.call("charge", "kv.put", ["ledger", "a", "x".repeat(300_000)]), { code: "BWK_LIMIT_EXCEEDED" });
    } finally {
      bench.close();
    }
  });

  it("detects a swapped ciphertext row and records data.tampered, even with both data keys just used", async () => {
    await b.call("charge", "kv.put", ["ledger", "alice", "balance-100"]);
    await b.call("charge", "kv.put", ["ledger", "mallory", "balance-0"]);
    // Read first, so both rows' unwrapped data keys are in the master key's cache.
    assert.equal(await b.call("charge", "kv.get", ["ledger", "alice"]), "balance-100");
    assert.equal(await b.call("charge", "kv.get", ["ledger", "mallory"]), "balance-0");
    b.db.exec(`UPDATE kv SET wrapped_key = (SELECT wrapped_key FROM kv WHERE key = 'alice'), ciphertext = (SELECT ciphertext FROM kv WHERE key = 'alice') WHERE key = 'mallory'`);
    await assert.rejects(b.call("charge", "kv.get", ["ledger", "mallory"]), { code: "BWK_DECRYPT_FAILED" });
    assert.equal(lastEvent("data.tampered")?.severity, "high");
  });

  it("detects a secret row copied onto another secret's name", async () => {
    b.db.exec(`UPDATE secrets SET wrapped_key = (SELECT wrapped_key FROM secrets WHERE name = 'OTHER_KEY'), ciphertext = (SELECT ciphertext FROM secrets WHERE name = 'OTHER_KEY') WHERE name = 'PSP_KEY'`);
    await assert.rejects(b.call("charge", "secrets.get", ["PSP_KEY"]), { code: "BWK_DECRYPT_FAILED" });
    assert.deepEqual(lastEvent("data.tampered")?.details, { action: "secrets.get", resource: "PSP_KEY", version: 1 });
  });
});

describe("broker: tenant isolation", () => {
  const TENANT_APP = `
app: clinic
functions:
  records:
    handler: records.ts
    isolation: tenant
    tenantFrom: header:x-tenant
    permissions:
      kv: { charts: [read, write] }
    triggers:
      - http: { method: GET, path: /r, auth: apiKey }
`;

  it("partitions KV by the sandbox's tenant, whatever namespace the handler names", async () => {
    const bench = await brokerBench();
    try {
      bench.deploy(TENANT_APP);
      await bench.call("records", "kv.put", ["charts", "patient-1", "tenant-a data"], { tenant: "a" });
      assert.equal(await bench.call("records", "kv.get", ["charts", "patient-1"], { tenant: "a" }), "tenant-a data");
      assert.equal(await bench.call("records", "kv.get", ["charts", "patient-1"], { tenant: "b" }), null);
      assert.deepEqual(await bench.call("records", "kv.list", ["charts", ""], { tenant: "b" }), []);
      const namespaces = bench.db.prepare("SELECT DISTINCT namespace FROM kv").all() as Array<{ namespace: string }>;
      assert.deepEqual(namespaces.map((r) => r.namespace), ["tenants/a/charts"]);
    } finally {
      bench.close();
    }
  });

  it("refuses every call of a tenant-isolated function whose sandbox has no tenant", async () => {
    const bench = await brokerBench();
    try {
      bench.deploy(TENANT_APP);
      await assert.rejects(bench.call("records", "kv.get", ["charts", "patient-1"]), denied("tenant-required"));
    } finally {
      bench.close();
    }
  });

  it("binds the tenant into the AAD: a row moved to another tenant's partition fails to open", async () => {
    const bench = await brokerBench();
    try {
      bench.deploy(TENANT_APP);
      await bench.call("records", "kv.put", ["charts", "p", "secret chart"], { tenant: "a" });
      bench.db.exec(`UPDATE kv SET namespace = 'tenants/b/charts'`);
      await assert.rejects(bench.call("records", "kv.get", ["charts", "p"], { tenant: "b" }), { code: "BWK_DECRYPT_FAILED" });
    } finally {
      bench.close();
    }
  });
});

describe("broker: recorded calls", () => {
  it("counts allowed and refused calls per function for policy suggest", async () => {
    const bench = await brokerBench();
    try {
      bench.deploy(APP);
      bench.secrets.set("PSP_KEY", "v-123456");
      await bench.call("charge", "secrets.get", ["PSP_KEY"]);
      await bench.call("charge", "secrets.get", ["PSP_KEY"]);
      await bench.call("charge", "kv.put", ["ledger", "k", "v"]);
      await assert.rejects(bench.call("charge", "kv.get", ["sessions", "k"]));
      const suggestion = bench.insights.suggest("charge");
      assert.deepEqual(suggestion.permissions, { secrets: ["PSP_KEY"], kv: { ledger: ["write"] } });
      assert.equal(suggestion.calls, 4);
      assert.deepEqual(suggestion.denied, ["kv.get sessions (1)"]);
      assert.deepEqual(bench.insights.suggest("charge", { includeDenied: true }).permissions, {
        secrets: ["PSP_KEY"],
        kv: { ledger: ["write"], sessions: ["read"] },
      });
    } finally {
      bench.close();
    }
  });
});
