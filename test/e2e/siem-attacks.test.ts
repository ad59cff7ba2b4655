// Attacks on SIEM export as an attack suite would try them against the real platform: a sink
// pointed at the cloud metadata endpoint or a link-local address, written as an address, as an
// IPv6 form that carries one, or as a name the resolver turns into one; and a sink stored before
// the check existed, refused when it connects. Each asserts the refusal AND its audit record and
// high siem.destination_refused event.
import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { after, before, describe, it } from "node:test";
import { manifest, up, writeApp, type RunningPlatform } from "./harness.ts";
import { api, controlOf, type Control } from "./people-helpers.ts";
import { securityEvents } from "./security-events.ts";

const APP = {
  "bulwark.yaml": manifest("exporting", { hello: { handler: "src/hello.js", routes: ["GET /hello"] } }),
  "src/hello.js": "export async function handler() { return { ok: true }; }\n",
};

const TOKEN = "siem-token-for-the-attack-test";

describe("SIEM sink destination attacks", () => {
  let p: RunningPlatform;
  let c: Control;

  before(async () => {
    p = await up(writeApp(APP));
    c = controlOf(p);
  });
  after(() => p.stop());

  it("a sink pointing at a link-local or cloud metadata address is refused when added (403), audited and a high siem.destination_refused event", async () => {
    const attempts: Array<[what: string, sink: Record<string, unknown>, address: string]> = [
      ["metadata URL", { name: "meta", kind: "ocsf-https", url: "https://169.254.169.254/latest/meta-data/", token: TOKEN }, "169.254.169.254"],
      ["metadata as a decimal URL host", { name: "meta-decimal", kind: "ocsf-https", url: "https://2852039166/", token: TOKEN }, "169.254.169.254"],
      ["metadata in IPv4-mapped form", { name: "meta-mapped", kind: "ocsf-https", url: "https://[::ffff:169.254.169.254]/", token: TOKEN }, "::ffff:a9fe:a9fe"],
      ["a name that resolves to metadata", { name: "meta-name", kind: "syslog", host: "2852039166", port: 514, tls: false }, "169.254.169.254"],
      ["IPv6 link-local", { name: "link6", kind: "syslog", host: "fe80::1", port: 514, tls: false }, "fe80::1"],
      ["IPv4 link-local", { name: "link4", kind: "syslog", host: "169.254.10.20", port: 6514, tls: true }, "169.254.10.20"],
      ["AWS IPv6 metadata", { name: "meta6", kind: "syslog", host: "fd00:ec2::254", port: 80, tls: false }, "fd00:ec2::254"],
    ];
    const events = () => securityEvents(p, "siem.destination_refused");
    for (const [what, sink, address] of attempts) {
      const res = await api(c, c.local, "POST", "/v1/siem/sinks", sink);
      assert.deepEqual([what, res.status, res.body.code], [what, 403, "BWK_FORBIDDEN"]);
      const requestId = res.headers.get("x-request-id") ?? res.body.requestId;
      const [record] = ((await api(c, c.local, "GET", `/v1/audit?action=siem.manage&target=siem:${String(sink.name)}`)).body as unknown as Array<{
        outcome: string;
        requestId: string;
        details: Record<string, unknown>;
      }>).filter((r) => r.requestId === requestId);
      assert.deepEqual([what, record?.outcome, record?.details.code, record?.details.refused], [what, "denied", "BWK_FORBIDDEN", address]);
      const event = (await events()).find((e) => e.requestId === requestId);
      assert.deepEqual([what, event?.severity, event?.details?.address, event?.details?.when], [what, "high", address, "configure"]);
    }
    const listed = (await api(c, c.local, "GET", "/v1/siem/sinks")).body as unknown as unknown[];
    assert.equal(listed.length, 0, "no refused sink was stored");

    // The CLI says so in one line and exits non-zero.
    const cli = p.cli(["siem", "add", "meta-cli", "--syslog", "169.254.169.254:514"]);
    assert.equal(cli.code, 1);
    assert.match(cli.stderr, /^bulwark: sink meta-cli: 169\.254\.169\.254 is 169\.254\.169\.254 \(cloud metadata endpoint, 169\.254\.169\.254\/32\).*\n$/);

    // Loopback and private networks stay allowed: a SIEM on this host or the LAN is the usual case.
    for (const [name, host] of [["loopback", "127.0.0.1"], ["lan", "10.20.30.40"]] as const) {
      const added = await api(c, c.local, "POST", "/v1/siem/sinks", { name, kind: "syslog", host, port: 6514, tls: false });
      assert.equal(added.status, 200, JSON.stringify(added.body));
    }
  });

  it("a sink stored before the check existed is refused at connect time, against the address it would connect to (high event, error in siem ls)", async () => {
    await p.halt();
    const db = new DatabaseSync(join(p.dataDir, "bulwark.db"));
    const settings = { kind: "syslog", host: "169.254.169.254", port: 80, tls: false, batchSize: 100 };
    db.prepare("INSERT INTO siem_sinks (name, kind, config, created_at) VALUES (?, ?, ?, ?)").run("legacy-meta", "syslog", JSON.stringify(settings), Date.now());
    db.close();
    p = await up(p.appDir, [], { dataDir: p.dataDir });
    c = controlOf(p);

    // Startup itself produces audit records, so the sink has rows to deliver at once.
    const refused = await poll(async () =>
      (await securityEvents(p, "siem.destination_refused")).find((e) => e.details?.sink === "legacy-meta" && e.details?.when === "connect"),
    );
    assert.deepEqual([refused.severity, refused.details?.address], ["high", "169.254.169.254"]);
    const sinks = (await api(c, c.local, "GET", "/v1/siem/sinks")).body as unknown as Array<{ name: string; delivered: number; lastError: string }>;
    const legacy = sinks.find((s) => s.name === "legacy-meta");
    assert.equal(legacy?.delivered, 0);
    assert.match(legacy?.lastError ?? "", /cloud metadata endpoint/);
  });
});

/** Waits for a condition the platform reaches on its own (a delivery attempt), polling; bounded. */
async function poll<T>(find: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 300; i++) {
    const found = await find();
    if (found !== undefined) return found;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("gave up waiting for the refused delivery to be recorded");
}
