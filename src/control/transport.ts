// One request/response with the control API, on node:http over a connection this file opens, so
// that over https the server is checked the way the CLI was told to: the exact certificate whose
// SHA-256 fingerprint it pinned (control.json, or `--control-ca sha256:…`: a dev certificate has
// no CA), the CA file it was given, or else the system's CAs. Checking is never turned off, and a
// server that fails it is dropped before a byte of the request, and so of its bearer token, is sent.
import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { request, type RequestOptions } from "node:http";
import { request as httpsRequest } from "node:https";
import { isIP } from "node:net";
import { resolve } from "node:path";
import { connect, type TLSSocket } from "node:tls";
import { BulwarkError } from "../core/errors.ts";
import { unbracketed } from "../core/ipaddr.ts";

/** How a CLI knows the control API it talks to is the real one. */
export type ServerTrust = { fingerprint256: string } | { ca: string };

export interface Exchange {
  status: number;
  body: string;
}

export interface Outgoing {
  method: string;
  headers: Record<string, string>;
  body?: string;
}

export async function exchange(url: string, outgoing: Outgoing, trust?: ServerTrust): Promise<Exchange> {
  const target = new URL(url);
  const socket = target.protocol === "https:" ? await verifiedSocket(target, trust) : undefined;
  // Without an agent: one connection per call, closed after it (a CLI makes few calls).
  const send = socket ? httpsRequest : request;
  const connection: RequestOptions = socket ? { createConnection: () => socket } : { agent: false };
  return new Promise((resolve, reject) => {
    const req = send(target, { method: outgoing.method, headers: outgoing.headers, ...connection }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("error", (e) => {
      socket?.destroy();
      reject(e);
    });
    req.end(outgoing.body);
  });
}

/** `sha256:` and 32 hex bytes (colons optional, any case), as `bulwark up` prints it; null if it is not one. */
export function parseFingerprint(text: string): string | null {
  const m = /^sha256:((?:[0-9a-f]{2}:?){31}[0-9a-f]{2})$/i.exec(text.trim());
  if (!m) return null;
  return m[1]!.replaceAll(":", "").toUpperCase().match(/../g)!.join(":");
}

/** `--control-ca`: a pinned fingerprint (sha256:…) or a PEM file of the CA (or the certificate itself), relative to `cwd`. */
export function trustOf(value: string, cwd: string): ServerTrust {
  if (value.toLowerCase().startsWith("sha256:")) {
    const fingerprint256 = parseFingerprint(value);
    if (fingerprint256 === null) throw new BulwarkError("BWK_USAGE", `--control-ca sha256: must be followed by 64 hex digits (colons allowed), got "${value.slice(0, 120)}"`);
    return { fingerprint256 };
  }
  let ca: string;
  try {
    ca = readFileSync(resolve(cwd, value), "utf8");
    new X509Certificate(ca);
  } catch {
    throw new BulwarkError("BWK_USAGE", `--control-ca: ${value} is not a readable PEM certificate (or give sha256:FINGERPRINT)`);
  }
  return { ca };
}

function verifiedSocket(url: URL, trust: ServerTrust | undefined): Promise<TLSSocket> {
  const host = unbracketed(url.hostname);
  const pinned = trust !== undefined && "fingerprint256" in trust ? trust.fingerprint256 : undefined;
  return new Promise((resolve, reject) => {
    const socket = connect({
      host,
      port: Number(url.port || 443),
      // RFC 6066 §3: SNI names hosts, never addresses.
      ...(isIP(host) === 0 ? { servername: host } : {}),
      // A pin replaces the chain and name checks: it names the one certificate to accept, compared
      // below before the socket is handed out. Anything else is checked by Node, never skipped.
      rejectUnauthorized: pinned === undefined,
      ...(trust !== undefined && "ca" in trust ? { ca: trust.ca } : {}),
      minVersion: "TLSv1.2",
      ALPNProtocols: ["http/1.1"],
    });
    socket.once("secureConnect", () => {
      const presented = socket.getPeerCertificate().fingerprint256;
      if (pinned !== undefined && presented !== pinned) {
        socket.destroy();
        reject(untrusted(url, `presented the certificate with SHA-256 ${presented}, not the pinned ${pinned}`));
        return;
      }
      resolve(socket);
    });
    socket.once("error", (e: NodeJS.ErrnoException) => {
      socket.destroy();
      reject(CERTIFICATE_ERRORS.test(e.code ?? "") ? untrusted(url, `presented a certificate that is not trusted (${e.message})`) : e);
    });
  });
}

/** OpenSSL's verification failures and Node's name check (ERR_TLS_CERT_ALTNAME_INVALID). */
const CERTIFICATE_ERRORS = /CERT|SELF_SIGNED|UNABLE_TO_(GET_ISSUER|VERIFY)|ALTNAME/;

function untrusted(url: URL, what: string): BulwarkError {
  return new BulwarkError(
    "BWK_CERT_UNTRUSTED",
    `the control API at ${url.origin} ${what}: nothing was sent (trust its certificate with --control-ca FILE or sha256:FINGERPRINT, or $BULWARK_CONTROL_CA)`,
  );
}
