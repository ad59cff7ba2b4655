import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { checkEgressUrl, type LookupAll, MAX_URL_LENGTH, parseEgressUrl, resolveAndCheck } from "../../../src/broker/egress/address.ts";

const INVALID = { code: "BWK_INVALID_ARGUMENT" };
const deniedFor = (reason: string) => ({ code: "BWK_PERMISSION_DENIED", extra: { reason } });

/** A resolver that knows a few names and records every question it is asked. */
function fakeLookup(records: Record<string, Array<[string, 4 | 6]>>): LookupAll & { asked: string[] } {
  const asked: string[] = [];
  const lookup = async (hostname: string) => {
    asked.push(hostname);
    const answer = records[hostname];
    if (answer === undefined) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" });
    return answer.map(([address, family]) => ({ address, family }));
  };
  return Object.assign(lookup, { asked });
}

describe("parseEgressUrl", () => {
  const parsed: Array<[url: string, grants: string[], host: string, port: number]> = [
    ["https://psp.example.com/charge?x=1", [], "psp.example.com", 443],
    ["https://psp.example.com:8443/", [], "psp.example.com", 8443],
    ["https://psp.example.com:443/", [], "psp.example.com", 443],
    ["HTTPS://PSP.Example.COM/", [], "psp.example.com", 443],
    ["https://bücher.example/", [], "xn--bcher-kva.example", 443],
    ["https://[2001:DB8:0::1]/", [], "[2001:db8::1]", 443],
    ["https://[::ffff:127.0.0.1]/", [], "[::ffff:7f00:1]", 443],
    // WHATWG URL's IPv4 parser: decimal, octal, hex and short forms all become dotted-decimal.
    ["https://2130706433/", [], "127.0.0.1", 443],
    ["https://0x7f.1/", [], "127.0.0.1", 443],
    ["https://0x7f000001/", [], "127.0.0.1", 443],
    ["https://0177.0.0.1/", [], "127.0.0.1", 443],
    ["https://127.1/", [], "127.0.0.1", 443],
    ["https://%31%32%37.0.0.1/", [], "127.0.0.1", 443],
    ["https://0xa9.0xfe.0xa9.0xfe/", [], "169.254.169.254", 443],
    // Parser-confusion spellings resolve to the host WHATWG URL sees, which is the one checked.
    ["https://psp.example.com\\@evil.example/", [], "psp.example.com", 443],
    ["https://evil.example#@psp.example.com/", [], "evil.example", 443],
    ["https://evil.example?@psp.example.com/", [], "evil.example", 443],
    ["https://psp.example.com.evil.example/", [], "psp.example.com.evil.example", 443],
    ["http://10.0.0.5:8080/ledger", ["10.0.0.5:8080"], "10.0.0.5", 8080],
    ["http://psp.example.com/", ["psp.example.com:80"], "psp.example.com", 80],
    ["http://[::ffff:a00:5]:80/", ["[::ffff:10.0.0.5]:80"], "[::ffff:a00:5]", 80],
  ];
  for (const [url, grants, host, port] of parsed) {
    test(`reads ${url} as ${host}:${port}`, () => {
      const result = parseEgressUrl(url, grants);
      assert.equal(result.host, host);
      assert.equal(result.port, port);
      assert.equal(result.resource, `${host}:${port}`);
    });
  }

  const plaintext: Array<[string, string[]]> = [
    ["http://psp.example.com/", ["psp.example.com:443"]],
    ["http://psp.example.com:443/", ["psp.example.com:443"]],
    ["http://v2.api.example.net/", ["*.api.example.net:80"]],
    ["http://10.0.0.5:8081/", ["10.0.0.5:8080"]],
    ["http://psp.example.com/", []],
  ];
  for (const [url, grants] of plaintext) {
    test(`refuses plain http: ${url} with ${JSON.stringify(grants)}`, () => {
      assert.throws(() => parseEgressUrl(url, grants), deniedFor("plaintext-http"));
    });
  }

  const refused = [
    "",
    "psp.example.com",
    "/relative/path",
    "//psp.example.com/",
    "ftp://psp.example.com/",
    "file:///etc/passwd",
    "javascript:alert(1)",
    "data:text/plain,hello",
    "ws://psp.example.com/",
    "gopher://127.0.0.1:6379/_INFO",
    "dict://127.0.0.1:11211/",
    "https://user:secret@psp.example.com/",
    "https://user@psp.example.com/",
    "https://:secret@psp.example.com/",
    "https://psp.example.com:0/",
    "https://psp.example.com:65536/",
    "https://[fe80::1%25eth0]/",
    `https://psp.example.com/${"a".repeat(MAX_URL_LENGTH)}`,
  ];
  for (const url of refused) {
    test(`refuses ${JSON.stringify(url.slice(0, 48))}`, () => assert.throws(() => parseEgressUrl(url, ["psp.example.com:443"]), INVALID));
  }

  test("refuses a non-string URL", () => {
    assert.throws(() => parseEgressUrl({ toString: () => "https://psp.example.com/" } as unknown as string, []), INVALID);
  });
});

describe("resolveAndCheck", () => {
  const grants = ["psp.example.com:443", "*.cdn.example.net:443", "10.0.0.5:8080", "[::ffff:10.0.0.6]:80", "127.0.0.1:9000", "internal.example.com:8080"];
  const lookup = fakeLookup({
    "psp.example.com": [["93.184.216.34", 4], ["2606:2800:220:1::1", 6]],
    "a.cdn.example.net": [["127.0.0.1", 4]],
    "b.cdn.example.net": [["93.184.216.34", 4], ["10.0.0.1", 4]],
    "c.cdn.example.net": [["10.0.0.1", 4], ["93.184.216.34", 4]],
    "d.cdn.example.net": [["::1", 6]],
    "e.cdn.example.net": [["::ffff:127.0.0.1", 6]],
    "f.cdn.example.net": [["fd00:ec2::254", 6]],
    "g.cdn.example.net": [["169.254.169.254", 4]],
    "h.cdn.example.net": [["64:ff9b::a9fe:a9fe", 6]],
    "i.cdn.example.net": [["2002:7f00:1::1", 6]],
    "j.cdn.example.net": [["fe80::1%eth0", 6]],
    "k.cdn.example.net": [["not-an-address", 4]],
    "l.cdn.example.net": [["0.0.0.0", 4]],
    "m.cdn.example.net": [["100.64.1.1", 4]],
    "n.cdn.example.net": [["2606:4700:4700::1111", 6]],
    "empty.cdn.example.net": [],
    "internal.example.com": [["10.0.0.5", 4]],
  });

  test("returns the resolved addresses, all checked, first one to connect to", async () => {
    const target = await resolveAndCheck("psp.example.com", 443, grants, lookup);
    assert.deepEqual(target, {
      host: "psp.example.com",
      port: 443,
      address: "93.184.216.34",
      family: 4,
      addresses: [
        { address: "93.184.216.34", family: 4 },
        { address: "2606:2800:220:1::1", family: 6 },
      ],
    });
  });

  test("allows a public IPv6 answer", async () => {
    assert.equal((await resolveAndCheck("n.cdn.example.net", 443, grants, lookup)).address, "2606:4700:4700::1111");
  });

  const rebinding: Array<[host: string, attack: string]> = [
    ["a.cdn.example.net", "a name that resolves to 127.0.0.1"],
    ["b.cdn.example.net", "a public address followed by a private one"],
    ["c.cdn.example.net", "a private address followed by a public one"],
    ["d.cdn.example.net", "IPv6 loopback"],
    ["e.cdn.example.net", "IPv4-mapped loopback"],
    ["f.cdn.example.net", "the AWS IPv6 metadata endpoint"],
    ["g.cdn.example.net", "the cloud metadata endpoint"],
    ["h.cdn.example.net", "NAT64 form of the metadata endpoint"],
    ["i.cdn.example.net", "6to4 form of loopback"],
    ["j.cdn.example.net", "a scoped link-local address"],
    ["k.cdn.example.net", "a resolver answer that is not an address"],
    ["l.cdn.example.net", "0.0.0.0 (reaches the host itself)"],
    ["m.cdn.example.net", "carrier-grade NAT space"],
  ];
  for (const [host, attack] of rebinding) {
    test(`refuses ${attack}`, async () => {
      await assert.rejects(resolveAndCheck(host, 443, grants, lookup), deniedFor("blocked-address"));
    });
  }

  test("refuses a name the grants do not cover, without resolving it", async () => {
    const before = lookup.asked.length;
    await assert.rejects(resolveAndCheck("evil.example", 443, grants, lookup), deniedFor("not-granted"));
    await assert.rejects(resolveAndCheck("psp.example.com", 8443, grants, lookup), deniedFor("not-granted"));
    await assert.rejects(resolveAndCheck("x.y.cdn.example.net", 443, grants, lookup), deniedFor("not-granted"));
    assert.equal(lookup.asked.length, before);
  });

  test("an IP literal is checked as itself, without a lookup", async () => {
    const before = lookup.asked.length;
    assert.equal((await resolveAndCheck("10.0.0.5", 8080, grants, lookup)).address, "10.0.0.5");
    assert.equal((await resolveAndCheck("127.0.0.1", 9000, grants, lookup)).address, "127.0.0.1");
    assert.equal((await resolveAndCheck("[::ffff:a00:6]", 80, grants, lookup)).address, "::ffff:a00:6");
    assert.equal(lookup.asked.length, before);
  });

  test("a private address is reachable only through a grant naming that IP literal and port", async () => {
    assert.equal((await resolveAndCheck("internal.example.com", 8080, grants, lookup)).address, "10.0.0.5");
    await assert.rejects(resolveAndCheck("internal.example.com", 8080, ["internal.example.com:8080"], lookup), deniedFor("blocked-address"));
    await assert.rejects(resolveAndCheck("internal.example.com", 8080, ["internal.example.com:8080", "10.0.0.5:8081"], lookup), deniedFor("blocked-address"));
  });

  test("a name that does not resolve is not found", async () => {
    await assert.rejects(resolveAndCheck("gone.cdn.example.net", 443, grants, lookup), { code: "BWK_NOT_FOUND" });
    await assert.rejects(resolveAndCheck("empty.cdn.example.net", 443, grants, lookup), { code: "BWK_NOT_FOUND" });
  });

  test("by default asks the system resolver: localhost (from /etc/hosts) is loopback", async () => {
    await assert.rejects(resolveAndCheck("localhost", 443, ["localhost:443"]), deniedFor("blocked-address"));
  });

  test("refuses a host that is not in canonical form", async () => {
    await assert.rejects(resolveAndCheck("PSP.example.com", 443, ["psp.example.com:443"], lookup), INVALID);
    await assert.rejects(resolveAndCheck("psp.example.com.", 443, ["psp.example.com:443"], lookup), INVALID);
  });
});

describe("checkEgressUrl", () => {
  const lookup = fakeLookup({ "psp.example.com": [["93.184.216.34", 4]], "rebind.example.com": [["127.0.0.1", 4]] });

  test("parses, checks and returns where to connect", async () => {
    const target = await checkEgressUrl("https://psp.example.com/v1/charges", ["psp.example.com:443"], lookup);
    assert.equal(target.url.pathname, "/v1/charges");
    assert.equal(target.resource, "psp.example.com:443");
    assert.equal(target.address, "93.184.216.34");
  });

  test("a DNS-rebinding name is refused", async () => {
    await assert.rejects(checkEgressUrl("https://rebind.example.com/", ["rebind.example.com:443"], lookup), deniedFor("blocked-address"));
  });

  const numeric = ["https://2130706433/", "https://0x7f.1/", "https://0177.0.0.1/", "https://127.1/", "https://[::ffff:127.0.0.1]/"];
  for (const url of numeric) {
    test(`numeric spelling ${url} is loopback and not granted by a name`, async () => {
      await assert.rejects(checkEgressUrl(url, ["psp.example.com:443"], lookup), deniedFor("not-granted"));
    });
  }

  test("a numeric spelling of a granted IP literal is that literal", async () => {
    assert.equal((await checkEgressUrl("https://0x7f000001:9000/", ["127.0.0.1:9000"], lookup)).address, "127.0.0.1");
  });
});
