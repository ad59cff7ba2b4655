// Real receivers and independent parsers for the SIEM tests: a TCP/TLS syslog server that reads
// RFC 6587 octet-counted frames, an HTTPS webhook, a CEF parser, and a throw-away test CA made with
// the openssl CLI in a temp dir (no key material is committed).

import { execFileSync } from "node:child_process";
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import https from "node:https";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import tls from "node:tls";
import type { TokenSealer } from "../../../src/security/siem/outbox.ts";

export interface TestPki {
  ca: string;
  key: string;
  cert: string;
  /** A second, unrelated CA: trusting it must NOT make the server's certificate acceptable. */
  otherCa: string;
}

export function hasOpenssl(): boolean {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** A CA and a server certificate for localhost/127.0.0.1, valid for one day, in a temp dir removed at once. */
export function makeTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), "bulwark-siem-pki-"));
  const ssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  const newCa = (name: string) => ssl(
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", `${name}.key`,
    "-out", `${name}.pem`, "-days", "1", "-subj", `/CN=Bulwark ${name}`,
    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
  );
  try {
    newCa("ca");
    newCa("other");
    ssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost");
    writeFileSync(join(dir, "ext.cnf"), "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n");
    ssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.pem", "-days", "1", "-extfile", "ext.cnf");
    const read = (f: string) => readFileSync(join(dir, f), "utf8");
    return { ca: read("ca.pem"), key: read("server.key"), cert: read("server.pem"), otherCa: read("other.pem") };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** AES-256-GCM under a key held in memory, the sink name as AAD: what the master key's envelope does. */
export function testTokenSealer(): TokenSealer {
  const key = randomBytes(32);
  return {
    seal(sink, token) {
      const iv = randomBytes(12);
      const c = createCipheriv("aes-256-gcm", key, iv);
      c.setAAD(Buffer.from(sink, "utf8"));
      const body = Buffer.concat([c.update(token, "utf8"), c.final()]);
      return { wrappedKey: Buffer.from("test-wrapped-key"), ciphertext: Buffer.concat([iv, c.getAuthTag(), body]) };
    },
    open(sink, { ciphertext }) {
      const d = createDecipheriv("aes-256-gcm", key, ciphertext.subarray(0, 12));
      d.setAAD(Buffer.from(sink, "utf8"));
      d.setAuthTag(ciphertext.subarray(12, 28));
      return Buffer.concat([d.update(ciphertext.subarray(28)), d.final()]).toString("utf8");
    },
  };
}

/**
 * What an older Bulwark did: writes keys/siem-token.key (0600) into `keysDir` and returns its
 * protect(), the "v1." + base64url(nonce ‖ ciphertext ‖ tag) form under AAD "bulwark:siem-token:v1".
 */
export function writeLegacyTokenKey(keysDir: string): (token: string) => string {
  const key = randomBytes(32);
  mkdirSync(keysDir, { recursive: true, mode: 0o700 });
  writeFileSync(join(keysDir, "siem-token.key"), `${key.toString("base64")}\n`, { mode: 0o600 });
  return (token) => {
    const iv = randomBytes(12);
    const c = createCipheriv("aes-256-gcm", key, iv);
    c.setAAD(Buffer.from("bulwark:siem-token:v1", "utf8"));
    return `v1.${Buffer.concat([iv, c.update(token, "utf8"), c.final(), c.getAuthTag()]).toString("base64url")}`;
  };
}

/** RFC 6587 §3.4.1 octet counting: MSG-LEN SP SYSLOG-MSG, repeated. */
export function parseOctetFrames(buffer: Buffer): { frames: Buffer[]; rest: Buffer } {
  const frames: Buffer[] = [];
  let at = 0;
  for (;;) {
    const space = buffer.indexOf(0x20, at);
    if (space === -1) break;
    const lenText = buffer.subarray(at, space).toString("ascii");
    if (!/^[1-9][0-9]{0,8}$/.test(lenText)) throw new Error(`bad octet count ${JSON.stringify(lenText)}`);
    const end = space + 1 + Number(lenText);
    if (end > buffer.length) break;
    frames.push(buffer.subarray(space + 1, end));
    at = end;
  }
  return { frames, rest: buffer.subarray(at) };
}

export interface SyslogMessage {
  pri: number;
  version: string;
  timestamp: string;
  hostname: string;
  appName: string;
  procId: string;
  msgId: string;
  structuredData: string;
  msg: string;
}

export function parseSyslog(frame: string): SyslogMessage {
  const m = /^<(\d{1,3})>(\d) (\S+) (\S+) (\S+) (\S+) (\S+) (-|\[(?:[^\]\\]|\\.)*\]) ([\s\S]*)$/.exec(frame);
  if (m === null) throw new Error(`not an RFC 5424 message: ${frame.slice(0, 80)}`);
  const [, pri, version, timestamp, hostname, appName, procId, msgId, structuredData, msg] = m as unknown as string[];
  return { pri: Number(pri), version: version!, timestamp: timestamp!, hostname: hostname!, appName: appName!, procId: procId!, msgId: msgId!, structuredData: structuredData!, msg: msg! };
}

/** A CEF line: 7 header fields split on unescaped pipes, extension keys found at unescaped `=`. */
export function parseCef(line: string): { header: string[]; ext: Record<string, string> } {
  const header: string[] = [];
  let field = "";
  let i = 0;
  for (; i < line.length && header.length < 7; i++) {
    const c = line[i]!;
    if (c === "\\" && (line[i + 1] === "\\" || line[i + 1] === "|")) field += line[++i];
    else if (c === "|") (header.push(field), (field = ""));
    else field += c;
  }
  if (header.length < 7) throw new Error("CEF header has fewer than 7 fields");
  const ext = line.slice(i);
  const keys: Array<{ start: number; eq: number }> = [];
  for (let j = 0; j < ext.length; j++) {
    if (ext[j] === "\\") j++;
    else if (ext[j] === "=") keys.push({ start: ext.lastIndexOf(" ", j) + 1, eq: j });
  }
  const values: Record<string, string> = {};
  keys.forEach((k, n) => {
    const end = n + 1 < keys.length ? keys[n + 1]!.start - 1 : ext.length;
    const key = ext.slice(k.start, k.eq);
    if (!/^[A-Za-z0-9]+$/.test(key)) throw new Error(`bad CEF key ${JSON.stringify(key)}`);
    values[key] = ext.slice(k.eq + 1, end).replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c === "r" ? "\r" : c));
  });
  return { header, ext: values };
}

abstract class Receiver {
  port = 0;
  #server: net.Server | undefined;
  readonly #sockets = new Set<net.Socket>();

  protected abstract create(): net.Server;

  /** Listens on `port` (0 picks one the first time; later calls reuse it, as a restarted SIEM would). */
  async start(): Promise<void> {
    const server = this.create();
    server.on("connection", (s: net.Socket) => {
      this.#sockets.add(s);
      s.on("close", () => this.#sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.port, "127.0.0.1", () => resolve());
    });
    this.port = (server.address() as net.AddressInfo).port;
    this.#server = server;
  }

  /** Goes down hard: refuses new connections and cuts the open ones. */
  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (server === undefined) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const s of this.#sockets) s.destroy();
    await closed;
  }
}

export class SyslogReceiver extends Receiver {
  readonly frames: string[] = [];
  /** Every byte received, to check that no raw line break ever crossed the wire. */
  readonly raw: Buffer[] = [];
  readonly #tls: { key: string; cert: string } | undefined;

  constructor(tlsOptions?: { key: string; cert: string }) {
    super();
    this.#tls = tlsOptions;
  }

  protected create(): net.Server {
    const onSocket = (socket: net.Socket) => {
      let pending = Buffer.alloc(0);
      socket.on("data", (chunk: Buffer) => {
        this.raw.push(chunk);
        const { frames, rest } = parseOctetFrames(Buffer.concat([pending, chunk]));
        pending = Buffer.from(rest);
        for (const f of frames) this.frames.push(f.toString("utf8"));
      });
      socket.on("error", () => {});
    };
    return this.#tls !== undefined ? tls.createServer(this.#tls, onSocket) : net.createServer(onSocket);
  }
}

export class OcsfReceiver extends Receiver {
  readonly batches: unknown[][] = [];
  readonly authorizations: string[] = [];
  /** What the webhook answers; tests switch it to simulate an unhealthy SIEM. */
  status = 200;
  readonly #pki: TestPki;

  constructor(pki: TestPki) {
    super();
    this.#pki = pki;
  }

  protected create(): net.Server {
    return https.createServer({ key: this.#pki.key, cert: this.#pki.cert }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        this.authorizations.push(req.headers.authorization ?? "");
        if (this.status >= 200 && this.status < 300) this.batches.push(JSON.parse(Buffer.concat(chunks).toString("utf8")) as unknown[]);
        res.writeHead(this.status).end();
      });
    });
  }
}

/** Waits for a condition that the system under test must reach; the bound only keeps a broken run from hanging. */
export async function until(condition: () => boolean, what: string, boundMs = 15_000): Promise<void> {
  const deadline = Date.now() + boundMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
