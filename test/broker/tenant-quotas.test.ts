// Quotas through the broker under tenant isolation, where the caller names its tenant (a header):
// inventing tenants neither multiplies a namespace's quota nor opens partitions without end. Each
// refusal is LimitExceeded in the function and a broker.quota_exceeded event, folded per window so a
// flood of refused writes is one event.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { brokerBench } from "./bench.ts";

const APP = `
app: clinic
functions:
  records:
    handler: records.ts
    isolation: tenant
    tenantFrom: header:x-tenant
    permissions:
      kv: { charts: [read, write] }
      objects: { scans: [read, write] }
    triggers:
      - http: { method: GET, path: /r, auth: apiKey }
`;

describe("broker: quotas under tenant isolation", () => {
  it("attack: refuses a made-up tenant past the namespace's partition count, as a quota event, and frees the place on delete", async () => {
    const bench = await brokerBench({ tenantPartitionsMax: 2 });
    try {
      bench.deploy(APP);
      await bench.call("records", "kv.put", ["charts", "p", "a"], { tenant: "t1" });
      await bench.call("records", "kv.put", ["charts", "p", "b"], { tenant: "t2" });
      await assert.rejects(bench.call("records", "kv.put", ["charts", "p", "c"], { tenant: "t3" }), { code: "BWK_LIMIT_EXCEEDED" });
      await assert.rejects(bench.call("records", "kv.put", ["charts", "p", "d"], { tenant: "t4" }), { code: "BWK_LIMIT_EXCEEDED" });
      const events = bench.events.query({ type: "broker.quota_exceeded" });
      assert.equal(events.length, 1, "the second refusal is folded into the first event");
      assert.equal(events[0]?.function, "records");
      assert.deepEqual(events[0]?.details, { action: "kv.put", resource: "charts", quota: "partitions", scope: "namespace", limit: 2, version: 1, tenant: "t3" });
      await bench.call("records", "kv.delete", ["charts", "p"], { tenant: "t1" });
      await bench.call("records", "kv.put", ["charts", "p", "c"], { tenant: "t3" });
    } finally {
      bench.close();
    }
  });

  it("attack: made-up tenants share the bucket's quota instead of each getting it", async () => {
    const bench = await brokerBench({ objectQuota: { maxEntries: 2, maxBytes: 1_000_000 } });
    try {
      bench.deploy(APP);
      const body = Buffer.from("scan").toString("base64");
      await bench.call("records", "objects.put", ["scans", "x", body], { tenant: "t1" });
      await bench.call("records", "objects.put", ["scans", "x", body], { tenant: "t2" });
      await assert.rejects(bench.call("records", "objects.put", ["scans", "x", body], { tenant: "t3" }), { code: "BWK_LIMIT_EXCEEDED" });
      const event = bench.events.query({ type: "broker.quota_exceeded" }).at(-1);
      assert.deepEqual([event?.severity, event?.details?.["quota"], event?.details?.["scope"]], ["medium", "entries", "namespace"]);
    } finally {
      bench.close();
    }
  });
});
