// The edge shield: per-route policies compiled at deploy (schemas once, never per request), the
// IP filter from manifest lists and threat intel, and buckets that survive a redeploy.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { BulwarkError } from "../../src/core/errors.ts";
import { validateManifestObject } from "../../src/core/manifest/parse.ts";
import { attachInputSchemas } from "../../src/core/manifest/input-schemas.ts";
import type { HttpTrigger, Manifest } from "../../src/core/manifest/types.ts";
import type { Exchange } from "../../src/edge/exchange.ts";
import { EdgeShield } from "../../src/edge/shield.ts";
import type { FunctionVersion } from "../../src/store/state.ts";

function manifest(http: Record<string, unknown>, schemas?: Record<string, unknown>, extra: Record<string, unknown> = {}): Manifest {
  const m = validateManifestObject({ app: "a", ...extra, functions: { f: { handler: "f.ts", triggers: [{ http: { method: "POST", path: "/x", auth: "none", ...http } }] } } }, "m");
  attachInputSchemas(m, schemas);
  return m;
}

function versions(m: Manifest): FunctionVersion[] {
  return Object.values(m.functions).map((spec) => ({ app: "a", function: spec.name, version: 1, bundleHash: "h", spec, createdAt: "", deployedBy: null }));
}

function exchange(trigger: HttpTrigger): Exchange {
  return { route: { function: "f", trigger, routeKey: "POST /x", pathParameters: {} } } as unknown as Exchange;
}

const shield = () => new EdgeShield({ bodyLimitBytes: 1024, bodyTimeoutMs: 1000 });

function refusedAs(run: () => unknown, pattern: RegExp): void {
  assert.throws(run, (e: unknown) => e instanceof BulwarkError && e.code === "BWK_MANIFEST_INVALID" && pattern.test(e.message));
}

describe("EdgeShield.check (the deploy's schema check)", () => {
  it("refuses a schema that does not compile, naming the file", () => {
    refusedAs(() => shield().check(manifest({ input: "s.json" }, { "s.json": { type: "strng" } })), /^s\.json: does not compile/);
  });

  it("refuses unknown keywords and formats (strict), and remote references", () => {
    refusedAs(() => shield().check(manifest({ input: "s.json" }, { "s.json": { type: "object", requird: ["a"] } })), /^s\.json: does not compile/);
    refusedAs(() => shield().check(manifest({ input: "s.json" }, { "s.json": { type: "string", format: "iban" } })), /unknown format "iban"/);
    refusedAs(() => shield().check(manifest({ input: "s.json" }, { "s.json": { $ref: "https://example.com/s.json" } })), /does not compile/);
  });

  it("refuses a $schema it does not read", () => {
    refusedAs(() => shield().check(manifest({ input: "s.json" }, { "s.json": { $schema: "http://json-schema.org/draft-04/schema#" } })), /is not supported/);
  });

  it("refuses a deploy that did not send a route's schema", () => {
    assert.throws(() => manifest({ input: "s.json" }, {}), (e: unknown) => e instanceof BulwarkError && /s\.json: was not sent/.test(e.message));
  });
});

describe("EdgeShield route policies", () => {
  it("uses the platform's body limit, WAF block and any media type by default", () => {
    const s = shield();
    const m = manifest({});
    s.refresh(versions(m), {});
    const policy = s.policy(exchange(m.functions["f"]!.triggers[0]!));
    assert.deepEqual({ ...policy }, { maxBodyBytes: 1024, accepts: "any", waf: "block" });
  });

  it("compiles a schema once: the deploy check and the routing table share the validator", () => {
    const s = shield();
    const schema = { type: "object", required: ["n"], properties: { n: { type: "integer" } } };
    const m = manifest({ input: "s.json", maxBody: "2Ki", waf: "detect" }, { "s.json": schema });
    s.check(m);
    s.refresh(versions(m), {});
    const trigger = m.functions["f"]!.triggers[0]!;
    const policy = s.policy(exchange(trigger));
    assert.equal(policy.accepts, "json");
    assert.equal(policy.maxBodyBytes, 2048);
    assert.equal(policy.waf, "detect");
    assert.equal(policy.input?.file, "s.json");
    assert.ok(policy.input?.validate({ n: 1 }));
    assert.ok(!policy.input?.validate({ n: "1" }));
    // A second deploy of the same schema (new objects, same content) reuses the compiled validator.
    const again = manifest({ input: "s.json" }, { "s.json": structuredClone(schema) });
    s.refresh(versions(again), {});
    assert.equal(s.policy(exchange(again.functions["f"]!.triggers[0]!)).input?.validate, policy.input?.validate);
  });

  it("keeps a request's policy when a deploy lands while it is in flight", () => {
    const s = shield();
    const before = manifest({ maxBody: 100 });
    s.refresh(versions(before), {});
    const x = exchange(before.functions["f"]!.triggers[0]!);
    assert.equal(s.policy(x).maxBodyBytes, 100);
    s.refresh(versions(manifest({ maxBody: 5000 })), {});
    assert.equal(s.policy(x).maxBodyBytes, 100);
  });

  it("refuses every body on a route whose schema never arrived (fails closed)", () => {
    const s = shield();
    const m = manifest({});
    const trigger = { ...m.functions["f"]!.triggers[0]!, input: "s.json" };
    const policy = s.policy(exchange(trigger));
    assert.ok(!policy.input?.validate({}));
  });

  it("keeps a route's bucket across a redeploy with the same rate", () => {
    const s = shield();
    const first = manifest({ rateLimit: { rate: "1/m", burst: 1 } });
    s.refresh(versions(first), {});
    assert.equal(s.policy(exchange(first.functions["f"]!.triggers[0]!)).bucket?.take(0), undefined);
    const second = manifest({ rateLimit: { rate: "1/m", burst: 1 } });
    s.refresh(versions(second), {});
    assert.equal(s.policy(exchange(second.functions["f"]!.triggers[0]!)).bucket?.take(0)?.limit, "route");
  });
});

describe("EdgeShield IP filter", () => {
  it("denies the manifest's list and live intel, and forgets expired intel", () => {
    const s = shield();
    s.refresh(versions(manifest({})), { network: { deny: ["203.0.113.0/24"] } });
    assert.equal(s.ipFilter.decide("203.0.113.9", 0).source, "manifest");
    s.setIntel([{ cidr: "198.51.100.7/32", feed: "f", source: "f:1", expiresAt: 1000, importedAt: "" }]);
    assert.deepEqual(s.ipFilter.decide("198.51.100.7", 999), { allowed: false, reason: "deny-list", entry: "198.51.100.7/32", source: "f:1" });
    assert.equal(s.ipFilter.decide("198.51.100.7", 1000).allowed, true);
    assert.equal(s.ipFilter.decide("203.0.113.9", 0).allowed, false, "an intel change keeps the manifest list");
  });

  it("allows only the allow list when the app has one", () => {
    const s = shield();
    s.refresh(versions(manifest({})), { network: { allow: ["10.0.0.0/8", "2001:db8::/32"] } });
    assert.equal(s.ipFilter.decide("10.1.2.3", 0).allowed, true);
    assert.equal(s.ipFilter.decide("2001:db8::1", 0).allowed, true);
    assert.equal(s.ipFilter.decide("192.0.2.1", 0).reason, "not-on-allow-list");
  });

  it("counts auth.failure events against the address that failed", () => {
    const s = shield();
    s.refresh(versions(manifest({})), { limits: { authFailuresPerIp: { perSecond: 1 / 60, burst: 1, text: "1/m" } } });
    const failure = { id: "1", time: "", type: "auth.failure", severity: "low" as const, reason: "bad key", clientIp: "192.0.2.5" };
    s.onSecurityEvents([failure, failure, { ...failure, type: "auth.forbidden", clientIp: "192.0.2.6" }]);
    assert.equal(s.rates.takeIp("192.0.2.5", Date.now())?.limit, "authFailuresPerIp");
    assert.equal(s.rates.takeIp("192.0.2.6", Date.now()), undefined);
  });
});

describe("EdgeShield override buckets (`bulwark limits set --rate`)", () => {
  it("has one per function while a rate is set, refusing as limit override, and none once it is cleared", () => {
    const rates = new Map([["f", { perSecond: 1, burst: 1, text: "1/s" }]]);
    const s = new EdgeShield({ bodyLimitBytes: 1024, bodyTimeoutMs: 1000, overrideRate: (fn) => rates.get(fn) });
    assert.equal(s.overrideBucket("g"), undefined);
    assert.equal(s.overrideBucket("f")?.take(0), undefined);
    assert.deepEqual(s.overrideBucket("f")?.take(0), { limit: "override", rate: "1/s", retryAfterSeconds: 1 });
    rates.set("f", { perSecond: 2, burst: 2, text: "2/s" });
    assert.equal(s.overrideBucket("f")?.take(0), undefined, "a new rate starts a new bucket");
    rates.delete("f");
    assert.equal(s.overrideBucket("f"), undefined);
  });
});
