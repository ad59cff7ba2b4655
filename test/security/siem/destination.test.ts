import assert from "node:assert/strict";
import { createServer, type AddressInfo, type Socket } from "node:net";
import { describe, it } from "node:test";
import { checkSinkDestination, guardedLookup, type RefusedDestination, type ResolveAll } from "../../../src/security/siem/destination.ts";
import { sendFrames } from "../../../src/security/siem/deliver-syslog.ts";

/** A resolver that answers every name with these addresses, as DNS would after a rebinding. */
function resolvesTo(...addresses: string[]): ResolveAll {
  return (_hostname, _options, callback) => callback(null, addresses.map((address) => ({ address, family: address.includes(":") ? 6 : 4 })));
}

describe("SIEM sink destinations", () => {
  it("attack: a sink name rebound to the metadata endpoint after it was added is refused at connect, before any connection", async () => {
    const received: Buffer[] = [];
    const server = createServer((socket: Socket) => socket.on("data", (d: Buffer) => received.push(d)).on("end", () => socket.end()));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const { port } = server.address() as AddressInfo;
    const refused: RefusedDestination[] = [];
    try {
      // Added while the name led to the LAN...
      await checkSinkDestination({ name: "siem", kind: "syslog", host: "siem.example", port, tls: false }, (r) => refused.push(r), resolvesTo("127.0.0.1"));
      // ...then it resolves to 169.254.169.254 (and a harmless address, to hide it).
      const rebound = guardedLookup("siem", "siem.example", (r) => refused.push(r), resolvesTo("127.0.0.1", "169.254.169.254"));
      await assert.rejects(sendFrames({ host: "siem.example", port, tls: false, lookup: rebound }, Buffer.from("5 hello"), AbortSignal.timeout(5000), 100), /cloud metadata endpoint/);
      assert.deepEqual(refused, [{ sink: "siem", host: "siem.example", address: "169.254.169.254", reason: "cloud metadata endpoint, 169.254.169.254/32" }]);

      // The lookup is what the connection uses: with a good answer the batch arrives.
      const good = guardedLookup("siem", "siem.example", (r) => refused.push(r), resolvesTo("127.0.0.1"));
      await sendFrames({ host: "siem.example", port, tls: false, lookup: good }, Buffer.from("5 hello"), AbortSignal.timeout(5000), 100);
      assert.equal(Buffer.concat(received).toString(), "5 hello", "only the allowed connection delivered");
    } finally {
      server.close();
    }
  });

  it("refuses a link-scoped address at configuration, from a literal or a name, and lets loopback and private ones through", async () => {
    const refused: RefusedDestination[] = [];
    const note = (r: RefusedDestination) => refused.push(r);
    const syslog = (host: string) => ({ name: "s", kind: "syslog" as const, host, port: 514, tls: false });
    await assert.rejects(checkSinkDestination(syslog("fe80::1"), note), { code: "BWK_FORBIDDEN" });
    await assert.rejects(checkSinkDestination(syslog("siem.example"), note, resolvesTo("fd00:ec2::254")), { code: "BWK_FORBIDDEN" });
    await assert.rejects(checkSinkDestination({ name: "h", kind: "ocsf-https", url: "https://[fe80::5]/in", token: "t" }, note), { code: "BWK_FORBIDDEN" });
    assert.deepEqual(refused.map((r) => r.address), ["fe80::1", "fd00:ec2::254", "fe80::5"]);
    await checkSinkDestination(syslog("siem.example"), note, resolvesTo("10.0.0.7", "::1"));
    // A name that does not resolve yet is left to the connect-time check.
    await checkSinkDestination(syslog("siem.example"), note, (_h, _o, callback) => callback(Object.assign(new Error("no"), { code: "ENOTFOUND" }), []));
    assert.throws(() => guardedLookup("s", "[fe80::1]", note), { code: "BWK_FORBIDDEN" });
    assert.equal(refused.length, 4);
  });
});
