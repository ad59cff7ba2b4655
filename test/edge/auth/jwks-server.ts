// A real JWKS endpoint on 127.0.0.1 (node:http) with keys made by jose, and the tokens an
// honest issuer and an attacker would make. Shared by the verifier tests and the e2e attack tests.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from "jose";

export const ISSUER = "https://id.example.com/";
export const AUDIENCE = "shop";

interface SigningKey {
  kid: string;
  alg: "RS256" | "ES256";
  privateKey: CryptoKey;
  publicKey: CryptoKey;
}

export interface JwksServer {
  url: string;
  /** JWKS requests served so far. */
  hits(): number;
  /** Signs with a published key (the RS256 one unless alg says ES256). */
  /** `typ` null leaves the header without one; the default is "JWT". */
  sign(claims?: JWTPayload, options?: { alg?: "RS256" | "ES256"; exp?: number; nbf?: number; iat?: number; iss?: string; aud?: string; typ?: string | null }): Promise<string>;
  /** Makes a key without publishing it: a token signed with it names a kid the JWKS lacks. */
  unpublishedKey(kid: string): Promise<SigningKey>;
  signWith(key: SigningKey, claims?: JWTPayload): Promise<string>;
  /** Adds a key to the published set (key rotation). */
  publish(key: SigningKey): Promise<void>;
  /** Removes a key from the published set (the issuer withdraws a leaked key). */
  withdraw(kid: string): void;
  /** The RS256 public key as PEM: what an algorithm-confusion attacker uses as an HMAC secret. */
  publicPem(): Promise<string>;
  /** Answers with this body instead of the JWKS (e.g. something huge). */
  override(body: string | undefined): void;
  close(): Promise<void>;
}

async function makeKey(kid: string, alg: "RS256" | "ES256"): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { kid, alg, privateKey, publicKey };
}

export async function startJwksServer(): Promise<JwksServer> {
  const keys = [await makeKey("rsa-1", "RS256"), await makeKey("ec-1", "ES256")];
  const published: JWK[] = [];
  const publish = async (k: SigningKey) => {
    published.push({ ...(await exportJWK(k.publicKey)), kid: k.kid, alg: k.alg, use: "sig" });
  };
  for (const k of keys) await publish(k);
  let hits = 0;
  let overridden: string | undefined;
  const server: Server = createServer((req, res) => {
    hits++;
    res.writeHead(200, { "content-type": "application/json" });
    res.end(overridden ?? JSON.stringify({ keys: published }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  const signWith = (key: SigningKey, claims: JWTPayload = {}, o: { exp?: number; nbf?: number; iat?: number; iss?: string; aud?: string; typ?: string | null } = {}) => {
    const now = Math.floor(Date.now() / 1000);
    const typ = o.typ === undefined ? "JWT" : o.typ;
    const jwt = new SignJWT({ sub: "user-1", ...claims })
      .setProtectedHeader({ alg: key.alg, kid: key.kid, ...(typ === null ? {} : { typ }) })
      .setIssuer(o.iss ?? ISSUER)
      .setAudience(o.aud ?? AUDIENCE)
      .setIssuedAt(o.iat ?? now)
      .setExpirationTime(o.exp ?? now + 300);
    if (o.nbf !== undefined) jwt.setNotBefore(o.nbf);
    return jwt.sign(key.privateKey);
  };

  return {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    hits: () => hits,
    sign: (claims, o = {}) => signWith(o.alg === "ES256" ? keys[1]! : keys[0]!, claims, o),
    unpublishedKey: (kid) => makeKey(kid, "RS256"),
    signWith: (key, claims) => signWith(key, claims),
    publish,
    withdraw: (kid) => {
      published.splice(0, published.length, ...published.filter((k) => k.kid !== kid));
    },
    publicPem: () => exportSPKI(keys[0]!.publicKey),
    override: (body) => {
      overridden = body;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The forgeries of RFC 8725 §2, built from an honest token or from scratch. */
export const forge = {
  /** alg "none": no signature at all (CVE-2015-9235). */
  algNone(claims: JWTPayload): string {
    const now = Math.floor(Date.now() / 1000);
    const header = b64({ alg: "none", typ: "JWT" });
    return `${header}.${b64({ sub: "user-1", iss: ISSUER, aud: AUDIENCE, exp: now + 300, ...claims })}.`;
  },
  /** HS256 "signed" with the issuer's public key as the HMAC secret (algorithm confusion). */
  async hs256WithPublicKey(pem: string, claims: JWTPayload): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ sub: "user-1", ...claims })
      .setProtectedHeader({ alg: "HS256", kid: "rsa-1", typ: "JWT" })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime(now + 300)
      .sign(new TextEncoder().encode(pem));
  },
  /** A valid token whose payload was swapped for one with more privileges; the signature is kept. */
  tampered(token: string, claims: JWTPayload): string {
    const [header, payload, signature] = token.split(".");
    const original = JSON.parse(Buffer.from(payload!, "base64url").toString("utf8")) as JWTPayload;
    return `${header}.${b64({ ...original, ...claims })}.${signature}`;
  },
  /**
   * The same token spelled differently, which lenient base64url decoders read as the same bytes
   * (signature malleability): with "=" padding, or with the unused low bits of the signature's last
   * character set (an RS256 or ES256 signature leaves 4 of them).
   */
  twins(token: string): string[] {
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const last = alphabet.indexOf(token.at(-1)!);
    return [`${token}==`, `${token.slice(0, -1)}${alphabet[last ^ 1]}`];
  },
};

function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value), "utf8").toString("base64url");
}
