import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { describe, it } from "node:test";
import pino from "pino";
import { generateToken } from "../../src/core/people/tokens.ts";
import { REDACTED, createRedactor, pinoRedactPaths } from "../../src/security/redact.ts";

const SECRET = "sk_live_9fQ2vX7pL1";

describe("redactText: secret values read by functions", () => {
  const { redactText } = createRedactor({ secretValues: () => [SECRET, "abc"] });

  it("redacts a secret a handler printed inside a longer log line", () => {
    assert.equal(redactText(`calling psp with key=${SECRET}!`), `calling psp with key=${REDACTED}!`);
    assert.equal(redactText(`${SECRET}${SECRET}`), `${REDACTED}${REDACTED}`);
  });

  it("redacts it inside JSON text, JSON-escaped, percent-encoded and base64-encoded", () => {
    const quoted = "pa\"ss\\word-42";
    const r = createRedactor({ secretValues: () => [quoted] });
    assert.equal(r.redactText(JSON.stringify({ note: quoted })), `{"note":"${REDACTED}"}`);
    assert.equal(r.redactText(`q=${encodeURIComponent(quoted)}`), `q=${REDACTED}`);
    assert.equal(redactText(`blob ${Buffer.from(SECRET).toString("base64")} end`), `blob ${REDACTED} end`);
    assert.equal(redactText(`blob ${Buffer.from(SECRET).toString("base64url")} end`), `blob ${REDACTED} end`);
  });

  it("redacts it in hex and inside a longer base64 string, at every alignment", () => {
    assert.equal(redactText(`key ${Buffer.from(SECRET).toString("hex")}`), `key ${REDACTED}`);
    assert.equal(redactText(Buffer.from(SECRET).toString("hex").toUpperCase()), REDACTED);
    assert.equal(redactText(Buffer.from(`user:${SECRET}`).toString("hex")), `${Buffer.from("user:").toString("hex")}${REDACTED}`);
    for (const prefix of ["", "k", "k=", "user:"]) {
      for (const suffix of ["", "!", "!!", "!!!"]) {
        for (const encoding of ["base64", "base64url"] as const) {
          const encoded = Buffer.from(`${prefix}${SECRET}${suffix}`).toString(encoding);
          const out = redactText(`token ${encoded} end`);
          assert.match(out, /\[REDACTED\]/, `${encoding} of ${prefix}SECRET${suffix}`);
          // What is left around the mark are the characters shared with the neighbours.
          assert.ok(out.length <= `token ${REDACTED} end`.length + Math.ceil(((prefix.length + suffix.length) * 4) / 3) + 4, out);
        }
      }
    }
  });

  it("does not catch what it documents it cannot: a split, reversed or case-changed secret", () => {
    for (const form of [`${SECRET.slice(0, 8)} ${SECRET.slice(8)}`, [...SECRET].reverse().join(""), SECRET.toUpperCase()]) {
      assert.equal(redactText(form), form);
    }
  });

  it("ignores secrets shorter than 6 characters, so 'abc' in ordinary text survives", () => {
    assert.equal(redactText("abc def"), "abc def");
  });

  it("sees a secret added after the redactor was built", () => {
    const secrets = ["first-secret"];
    const r = createRedactor({ secretValues: () => secrets });
    secrets.push("second-secret");
    assert.equal(r.redactText("second-secret"), REDACTED);
  });

  it("treats secret values as literals, not patterns (a secret like '.*' cannot redact everything)", () => {
    const r = createRedactor({ secretValues: () => ["(a+)+$.*"] });
    assert.equal(r.redactText("aaaa (a+)+$.* bbbb"), `aaaa ${REDACTED} bbbb`);
  });

  it("fails closed when the secret list cannot be read", () => {
    const r = createRedactor({ secretValues: () => { throw new Error("store down"); } });
    assert.equal(r.redactText("anything"), REDACTED);
  });
});

describe("redactText: credentials by shape", () => {
  const { redactText } = createRedactor();
  const cases: Array<[string, string, string]> = [
    ["an Authorization header, keeping the scheme", "Authorization: Bearer eyJhbGciOi.x.y", `Authorization: Bearer ${REDACTED}`],
    ["Basic credentials", "authorization=Basic dXNlcjpwYXNz", `authorization=Basic ${REDACTED}`],
    ["a Proxy-Authorization header", "Proxy-Authorization: Basic dXNlcjpwYXNz", `Proxy-Authorization: Basic ${REDACTED}`],
    ["an Authorization header in JSON", '{"authorization":"Bearer abc.def"}', `{"authorization":"Bearer ${REDACTED}"}`],
    ["an Authorization header in JSON inside a JSON string", '"{\\"authorization\\":\\"tok123\\"}"', `"{\\"authorization\\":\\"${REDACTED}\\"}"`],
    ["a bare bearer token", "retrying with Bearer 0123456789abcdef", `retrying with Bearer ${REDACTED}`],
    ["a cookie header", "Cookie: sid=abc; theme=dark", `Cookie: ${REDACTED}`],
    ["a password in a query string", "GET /login?user=bob&password=hunter2&x=1", `GET /login?user=bob&password=${REDACTED}&x=1`],
    ["a password in JSON", '{"user":"bob","password":"hunter2"}', `{"user":"bob","password":"${REDACTED}"}`],
    ["an API key parameter", "GET /v1?api_key=AKIA123456", `GET /v1?api_key=${REDACTED}`],
    ["an X-Api-Key header", "X-Api-Key: 12345678", `X-Api-Key: ${REDACTED}`],
    ["a prefixed variable name", "DB_PASSWORD=s3cr3t", `DB_PASSWORD=${REDACTED}`],
    ["a presigned URL signature", "https://b.s3/x?X-Amz-Signature=abcdef0123", `https://b.s3/x?X-Amz-Signature=${REDACTED}`],
    ["a JWT", "token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln", `token ${REDACTED}`],
  ];
  for (const [what, input, expected] of cases) {
    it(`redacts ${what}`, () => assert.equal(redactText(input), expected));
  }

  it("redacts the platform's own API keys and session tokens", () => {
    const key = generateToken("bwk");
    const session = generateToken("bws");
    assert.equal(redactText(`client used ${key} then ${session}`), `client used ${REDACTED} then ${REDACTED}`);
  });

  it("leaves error codes and ordinary text alone", () => {
    const line = "BWK_UNAUTHORIZED: the bearer of this request sent no key; route /charge";
    assert.equal(redactText(line), line);
  });

  it("redacts a PEM private key", () => {
    const pem = "-----BEGIN PRIVATE KEY-----\nMIIBVQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----";
    assert.equal(redactText(`loaded ${pem} ok`), `loaded ${REDACTED} ok`);
  });

  it("stays linear on hostile input (no catastrophic backtracking)", () => {
    const hostile = `authorization${"=".repeat(1)}${" ".repeat(50_000)}` + "password:".repeat(20_000) + "-----BEGIN PRIVATE KEY-----".repeat(2_000);
    assert.equal(typeof redactText(hostile), "string");
  });
});

describe("redactObject", () => {
  const redactor = createRedactor({ paths: ["body.ssn", "body.cards[*].pan", 'headers["x-forwarded-for"]', "[*].email"], secretValues: () => [SECRET] });

  it("always redacts credential headers, in any letter case and at any depth", () => {
    const input = {
      headers: { Authorization: "Bearer t", cookie: "a=b", "Set-Cookie": ["s=1"], "x-api-key": "k", "proxy-authorization": "p", host: "h" },
      nested: { req: { headers: { authorization: "Basic x" } } },
    };
    assert.deepEqual(redactor.redactObject(input), {
      headers: { Authorization: REDACTED, cookie: REDACTED, "Set-Cookie": REDACTED, "x-api-key": REDACTED, "proxy-authorization": REDACTED, host: "h" },
      nested: { req: { headers: { authorization: REDACTED } } },
    });
  });

  it("redacts configured PII paths, array wildcards included, and leaves the original untouched", () => {
    const input = { body: { ssn: "078-05-1120", name: "Ann", cards: [{ pan: "4111111111111111", exp: "12/30" }, { pan: "5500000000000004" }] }, headers: { "x-forwarded-for": "10.0.0.1" } };
    const out = redactor.redactObject(input);
    assert.deepEqual(out, { body: { ssn: REDACTED, name: "Ann", cards: [{ pan: REDACTED, exp: "12/30" }, { pan: REDACTED }] }, headers: { "x-forwarded-for": REDACTED } });
    assert.equal(input.body.ssn, "078-05-1120");
    assert.deepEqual(redactor.redactObject([{ email: "a@b.c", id: 1 }]), [{ email: REDACTED, id: 1 }]);
  });

  it("redacts secret values and credential shapes in every string, and credential-named keys", () => {
    const out = redactor.redactObject({ msg: `key is ${SECRET}`, list: [`x ${SECRET}`], config: { password: "hunter2", db_password: "pw", apiKey: "k" } });
    assert.deepEqual(out, { msg: `key is ${REDACTED}`, list: [`x ${REDACTED}`], config: { password: REDACTED, db_password: REDACTED, apiKey: REDACTED } });
  });

  it("copies errors with their message redacted", () => {
    const out = redactor.redactObject({ err: new Error(`psp refused ${SECRET}`) }) as { err: { message: string; name: string } };
    assert.equal(out.err.message, `psp refused ${REDACTED}`);
    assert.equal(out.err.name, "Error");
  });

  it("survives cycles and absurd depth from an attacker-shaped body", () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic["self"] = cyclic;
    assert.deepEqual(redactor.redactObject(cyclic), { a: 1, self: "[Circular]" });
    let deep: unknown = "bottom";
    for (let i = 0; i < 10_000; i++) deep = { d: deep };
    assert.doesNotThrow(() => redactor.redactObject(deep));
  });

  it("keeps a JSON body's own __proto__ key as data (no prototype pollution of the copy)", () => {
    const input = JSON.parse('{"__proto__":{"password":"x","polluted":true},"a":1}') as Record<string, unknown>;
    const out = redactor.redactObject(input);
    assert.equal(Object.getPrototypeOf(out), Object.prototype);
    assert.equal((out as { polluted?: boolean }).polluted, undefined);
    assert.deepEqual(Object.getOwnPropertyDescriptor(out, "__proto__")?.value, { password: REDACTED, polluted: true });
    assert.equal(({} as { polluted?: boolean }).polluted, undefined);
  });

  it("refuses a malformed path when built", () => {
    for (const path of ["", ".a", "a..b", "a[*]b", 'a["x"', "a[0]"]) {
      assert.throws(() => createRedactor({ paths: [path] }), { code: "BWK_INVALID_ARGUMENT" }, path);
    }
  });
});

describe("pinoRedactPaths", () => {
  it("makes pino redact credential headers of logged requests", () => {
    let out = "";
    const sink = new Writable({ write(chunk, _enc, done) { out += String(chunk); done(); } });
    const log = pino({ redact: { paths: pinoRedactPaths, censor: REDACTED } }, sink);
    log.info({ req: { headers: { authorization: "Bearer t0k3n", cookie: "sid=1", host: "h" } }, upstream: { headers: { "x-api-key": "k3y" } } }, "request");
    const line = JSON.parse(out) as { req: { headers: Record<string, string> }; upstream: { headers: Record<string, string> } };
    assert.deepEqual(line.req.headers, { authorization: REDACTED, cookie: REDACTED, host: "h" });
    assert.equal(line.upstream.headers["x-api-key"], REDACTED);
  });
});
