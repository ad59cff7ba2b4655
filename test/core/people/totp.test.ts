import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  base32Decode,
  base32Encode,
  generateTotpSecret,
  hotp,
  otpauthUri,
  totpCode,
  verifyTotp,
  type TotpAlgorithm,
} from "../../../src/core/people/totp.ts";

const ascii = (text: string) => new Uint8Array(Buffer.from(text, "ascii"));
const invalidArgument = { code: "BWK_INVALID_ARGUMENT" };

describe("base32Encode / base32Decode", () => {
  // RFC 4648 §10 test vectors, without padding.
  const vectors: [string, string][] = [
    ["", ""],
    ["f", "MY"],
    ["fo", "MZXQ"],
    ["foo", "MZXW6"],
    ["foob", "MZXW6YQ"],
    ["fooba", "MZXW6YTB"],
    ["foobar", "MZXW6YTBOI"],
  ];
  for (const [plain, encoded] of vectors) {
    it(`encodes and decodes ${JSON.stringify(plain)} as ${JSON.stringify(encoded)}`, () => {
      assert.equal(base32Encode(ascii(plain)), encoded);
      assert.equal(Buffer.from(base32Decode(encoded)).toString("ascii"), plain);
    });
  }

  it("round-trips every byte value", () => {
    const bytes = new Uint8Array(256).map((_, i) => i);
    assert.deepEqual(base32Decode(base32Encode(bytes)), bytes);
  });

  it("rejects characters outside the alphabet, padding, lower case and whitespace", () => {
    for (const bad of ["MZXW6YT1", "MZXW6YT8", "MZXW6===", "mzxw6", "MZX W6", "MZXW6\n", "MZXW6YTBÖ"]) {
      assert.throws(() => base32Decode(bad), invalidArgument, bad);
    }
  });

  it("rejects lengths that cannot come from whole bytes", () => {
    for (const bad of ["M", "MZX", "MZXW6Y"]) assert.throws(() => base32Decode(bad), invalidArgument, bad);
  });

  it("rejects a second spelling with non-zero trailing bits (RFC 4648 §3.5)", () => {
    assert.throws(() => base32Decode("MZ"), invalidArgument); // "f" is MY; MZ sets an unused bit
  });
});

describe("hotp", () => {
  it("matches the RFC 4226 Appendix D values", () => {
    const expected = ["755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"];
    const secret = ascii("12345678901234567890");
    expected.forEach((code, counter) => assert.equal(hotp(secret, counter), code));
  });

  it("refuses lengths other than 6-8 digits, unknown algorithms and bad counters", () => {
    const secret = ascii("12345678901234567890");
    assert.throws(() => hotp(secret, 0, 5), invalidArgument);
    assert.throws(() => hotp(secret, 0, 9), invalidArgument);
    assert.throws(() => hotp(secret, 0, 6, "md5" as TotpAlgorithm), invalidArgument);
    assert.throws(() => hotp(secret, -1), invalidArgument);
    assert.throws(() => hotp(secret, 1.5), invalidArgument);
  });
});

describe("totpCode", () => {
  // RFC 6238 Appendix B: 8 digits, each algorithm with its own ASCII seed.
  const seeds: Record<TotpAlgorithm, Uint8Array> = {
    sha1: ascii("12345678901234567890"),
    sha256: ascii("12345678901234567890123456789012"),
    sha512: ascii("1234567890123456789012345678901234567890123456789012345678901234"),
  };
  const table: [number, string, string, string][] = [
    [59, "94287082", "46119246", "90693936"],
    [1111111109, "07081804", "68084774", "25091201"],
    [1111111111, "14050471", "67062674", "99943326"],
    [1234567890, "89005924", "91819424", "93441116"],
    [2000000000, "69279037", "90698825", "38618901"],
    [20000000000, "65353130", "77737706", "47863826"],
  ];
  for (const [seconds, sha1, sha256, sha512] of table) {
    it(`matches RFC 6238 Appendix B at T=${seconds}s`, () => {
      assert.equal(totpCode(seeds.sha1, seconds * 1000, 8, "sha1"), sha1);
      assert.equal(totpCode(seeds.sha256, seconds * 1000, 8, "sha256"), sha256);
      assert.equal(totpCode(seeds.sha512, seconds * 1000, 8, "sha512"), sha512);
    });
  }

  it("defaults to 6 digits of SHA-1 (the last 6 of the 8-digit value)", () => {
    assert.equal(totpCode(seeds.sha1, 59_000), "287082");
  });

  it("refuses negative and non-finite times", () => {
    assert.throws(() => totpCode(seeds.sha1, -1), invalidArgument);
    assert.throws(() => totpCode(seeds.sha1, Number.NaN), invalidArgument);
  });
});

describe("verifyTotp", () => {
  const secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"; // base32 of "12345678901234567890"
  const secretBytes = base32Decode(secret);
  const now = 1_111_111_111_000;
  const step = Math.floor(now / 30_000);
  const codeAt = (offsetSteps: number) => totpCode(secretBytes, now + offsetSteps * 30_000);

  it("accepts the codes of the previous, current and next step and returns that step", () => {
    for (const offset of [-1, 0, 1]) {
      assert.deepEqual(verifyTotp(secret, codeAt(offset), now), { ok: true, step: step + offset });
    }
  });

  it("refuses codes two steps away either side", () => {
    assert.deepEqual(verifyTotp(secret, codeAt(-2), now), { ok: false });
    assert.deepEqual(verifyTotp(secret, codeAt(2), now), { ok: false });
  });

  it("refuses a replay of the step it just accepted, and any earlier step", () => {
    const first = verifyTotp(secret, codeAt(0), now);
    assert.equal(first.ok, true);
    const lastUsedStep = first.ok ? first.step : -1;
    assert.deepEqual(verifyTotp(secret, codeAt(0), now, lastUsedStep), { ok: false });
    assert.deepEqual(verifyTotp(secret, codeAt(-1), now, lastUsedStep), { ok: false });
    assert.deepEqual(verifyTotp(secret, codeAt(1), now, lastUsedStep), { ok: true, step: step + 1 });
  });

  it("treats a null last used step (a fresh database row) as none", () => {
    assert.deepEqual(verifyTotp(secret, codeAt(0), now, null), { ok: true, step });
  });

  it("fails closed on a non-integer last used step instead of allowing replays", () => {
    assert.throws(() => verifyTotp(secret, codeAt(0), now, Number.NaN), invalidArgument);
  });

  it("refuses input that is not exactly six ASCII digits", () => {
    const code = codeAt(0);
    for (const bad of ["", "12345", "1234567", `${code} `, ` ${code}`, `${code.slice(0, 3)} ${code.slice(3)}`, "١٢٣٤٥٦", "12345a", `+${code.slice(1)}`]) {
      assert.deepEqual(verifyTotp(secret, bad, now), { ok: false }, JSON.stringify(bad));
    }
    assert.deepEqual(verifyTotp(secret, Number(code) as unknown as string, now), { ok: false });
  });

  it("refuses the 8-digit form of a valid code", () => {
    assert.deepEqual(verifyTotp(secret, totpCode(secretBytes, now, 8), now), { ok: false });
  });

  it("throws on a stored secret that is malformed or shorter than 128 bits", () => {
    assert.throws(() => verifyTotp("not base32!", "123456", now), invalidArgument);
    assert.throws(() => verifyTotp(base32Encode(new Uint8Array(10)), "123456", now), invalidArgument);
  });

  it("works near the epoch where the previous step would be negative", () => {
    assert.deepEqual(verifyTotp(secret, totpCode(secretBytes, 0), 0), { ok: true, step: 0 });
  });
});

describe("generateTotpSecret", () => {
  it("makes 160-bit base32 secrets that differ each time", () => {
    const a = generateTotpSecret();
    const b = generateTotpSecret();
    assert.match(a, /^[A-Z2-7]{32}$/);
    assert.equal(base32Decode(a).length, 20);
    assert.notEqual(a, b);
  });

  it("produces secrets that verify against their own current code", () => {
    const secret = generateTotpSecret();
    const now = 1_700_000_000_000;
    assert.equal(verifyTotp(secret, totpCode(base32Decode(secret), now), now).ok, true);
  });
});

describe("otpauthUri", () => {
  const secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

  it("builds the Key Uri Format with issuer prefix and parameter", () => {
    assert.equal(
      otpauthUri({ issuer: "Bulwark", account: "alice@example.com", secret }),
      `otpauth://totp/Bulwark:alice%40example.com?secret=${secret}&issuer=Bulwark&algorithm=SHA1&digits=6&period=30`,
    );
  });

  it("defaults the issuer to Bulwark", () => {
    assert.match(otpauthUri({ account: "alice", secret }), /^otpauth:\/\/totp\/Bulwark:alice\?.*&issuer=Bulwark&/);
  });

  it("percent-encodes spaces as %20 and cannot be steered by injected URI syntax", () => {
    const uri = otpauthUri({ issuer: "ACME Co", account: "bob smith?secret=AAAA&issuer=Evil#x/y", secret });
    assert.ok(uri.startsWith("otpauth://totp/ACME%20Co:bob%20smith%3Fsecret%3DAAAA%26issuer%3DEvil%23x%2Fy?"));
    const url = new URL(uri);
    assert.equal(url.searchParams.get("secret"), secret);
    assert.equal(url.searchParams.get("issuer"), "ACME Co");
    assert.equal(url.searchParams.getAll("issuer").length, 1);
    assert.equal(url.hash, "");
  });

  it("refuses a colon in issuer or account, empty or ill-formed labels, and a bad secret", () => {
    assert.throws(() => otpauthUri({ account: "a:b", secret }), invalidArgument);
    assert.throws(() => otpauthUri({ issuer: "Evil:Corp", account: "a", secret }), invalidArgument);
    assert.throws(() => otpauthUri({ account: "", secret }), invalidArgument);
    assert.throws(() => otpauthUri({ account: "\ud800", secret }), invalidArgument);
    assert.throws(() => otpauthUri({ account: "a".repeat(257), secret }), invalidArgument);
    assert.throws(() => otpauthUri({ account: "a", secret: "abc&x=1" }), invalidArgument);
  });
});
