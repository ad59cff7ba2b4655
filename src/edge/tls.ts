// A listener's certificate (the edge's, and the control API's): the operator's files
// (--tls-cert/--tls-key), or with --tls dev a self-signed development certificate for localhost,
// 127.0.0.1 and ::1, made once and kept in the data dir (key 0600) so clients can be told to trust
// it. Never use a dev certificate in production.
import { X509Certificate, createPrivateKey, type KeyObject } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { generate } from "selfsigned";
import { BulwarkError } from "../core/errors.ts";

export interface TlsMaterial {
  cert: string;
  key: string;
}

/** HSTS (RFC 6797 §6.1) on TLS only: sent over plain HTTP it would be ignored, and rightly. */
export const HSTS = "max-age=31536000";

/** What every HTTPS listener of the platform is created with: the material and the oldest protocol it accepts. */
export function serverTls(material: TlsMaterial): { cert: string; key: string; minVersion: "TLSv1.2" } {
  return { cert: material.cert, key: material.key, minVersion: "TLSv1.2" };
}

export type TlsSource = { certFile: string; keyFile: string } | { dev: true; dataDir: string };

/** Where --tls dev keeps its certificate: what a client passes as its trusted CA. */
export function devCertPath(dataDir: string): string {
  return join(dataDir, "tls", "dev-cert.pem");
}

const DEV_VALIDITY_DAYS = 90;
/** A dev certificate this close to expiry is replaced at start. */
const RENEW_BEFORE_MS = 7 * 24 * 3600 * 1000;

/** `flag` names the options in errors: "--tls" for the edge, "--control-tls" for the control API. */
export async function loadTls(source: TlsSource, flag = "--tls"): Promise<TlsMaterial> {
  if ("dev" in source) return devCertificate(source.dataDir);
  const cert = readPem(source.certFile, `${flag}-cert`);
  const key = readPem(source.keyFile, `${flag}-key`);
  check(cert, key, source.certFile, flag);
  return { cert, key };
}

async function devCertificate(dataDir: string): Promise<TlsMaterial> {
  const dir = join(dataDir, "tls");
  const certFile = devCertPath(dataDir);
  const keyFile = join(dir, "dev-key.pem");
  if (existsSync(certFile) && existsSync(keyFile)) {
    const cert = readFileSync(certFile, "utf8");
    const key = readFileSync(keyFile, "utf8");
    if (Date.parse(new X509Certificate(cert).validTo) - Date.now() > RENEW_BEFORE_MS) return { cert, key };
  }
  const notBeforeDate = new Date(Date.now() - 60_000);
  const pems = await generate([{ name: "commonName", value: "localhost" }], {
    keyType: "ec",
    curve: "P-256",
    algorithm: "sha256",
    notBeforeDate,
    notAfterDate: new Date(notBeforeDate.getTime() + DEV_VALIDITY_DAYS * 24 * 3600 * 1000),
    extensions: [
      { name: "basicConstraints", cA: false },
      { name: "keyUsage", digitalSignature: true, critical: true },
      { name: "extKeyUsage", serverAuth: true },
      { name: "subjectAltName", altNames: [{ type: 2, value: "localhost" }, { type: 7, ip: "127.0.0.1" }, { type: 7, ip: "::1" }] },
    ],
  });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(keyFile, pems.private, { mode: 0o600 });
  chmodSync(keyFile, 0o600);
  writeFileSync(certFile, pems.cert, { mode: 0o644 });
  return { cert: pems.cert, key: pems.private };
}

function readPem(file: string, flag: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch {
    throw new BulwarkError("BWK_INVALID_ARGUMENT", `${flag}: cannot read ${file}`);
  }
}

/** Fails at start, naming the file, rather than at the first handshake. */
function check(cert: string, key: string, certFile: string, flag: string): void {
  let x509: X509Certificate;
  let privateKey: KeyObject;
  try {
    x509 = new X509Certificate(cert);
    privateKey = createPrivateKey(key);
  } catch {
    throw new BulwarkError("BWK_INVALID_ARGUMENT", `${flag}-cert/${flag}-key: ${certFile} or its key is not a PEM certificate and private key`);
  }
  if (!x509.checkPrivateKey(privateKey)) {
    throw new BulwarkError("BWK_INVALID_ARGUMENT", `${flag}-key does not belong to the certificate in ${certFile}`);
  }
  if (Date.parse(x509.validTo) < Date.now()) throw new BulwarkError("BWK_INVALID_ARGUMENT", `the certificate in ${certFile} expired on ${x509.validTo}`);
}
