// Measures for `npm run bench` (issue 5): durable audit append throughput, and SIEM export
// throughput from the outbox to a real local syslog receiver over TCP. Both run in this process
// on temp files; bench.ts prints them next to the invocation figures.
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AuditLog, loadOrCreateAuditKey } from "../src/security/audit/index.ts";
import type { SecurityEvent } from "../src/security/events.ts";
import { SiemOutbox } from "../src/security/siem/outbox.ts";
import { openDatabase } from "../src/store/sqlite/open.ts";

const AUDIT_RECORDS = 2_000;
const SIEM_ITEMS = 20_000;

export interface AuditRate {
  /** One record per commit, synced (synchronous=FULL), as the control plane appends. */
  perCommit: number;
  /** Microseconds one durable append takes. */
  appendUs: number;
  /** 100 records per commit, as batched security events would be. */
  batched: number;
}

export function auditAppendRate(): AuditRate {
  const dir = mkdtempSync(join(tmpdir(), "bulwark-bench-audit-"));
  const db = openDatabase(join(dir, "audit.db"), { synchronous: "FULL" });
  try {
    const log = new AuditLog(db, { signingKey: loadOrCreateAuditKey(join(dir, "keys")).privateKey });
    const entry = (i: number) => ({
      actor: { type: "user" as const, id: "bench" }, action: "deploy.prod", target: `function:f${i % 10}`,
      outcome: "success" as const, requestId: randomUUID(), details: { version: i },
    });
    let t = performance.now();
    for (let i = 0; i < AUDIT_RECORDS; i++) log.append(entry(i));
    const single = performance.now() - t;
    t = performance.now();
    for (let i = 0; i < AUDIT_RECORDS; i += 100) log.appendBatch(Array.from({ length: 100 }, (_, j) => entry(i + j)));
    const batched = performance.now() - t;
    return { perCommit: (AUDIT_RECORDS * 1000) / single, appendUs: (single * 1000) / AUDIT_RECORDS, batched: (AUDIT_RECORDS * 1000) / batched };
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Items per second from a full outbox to a TCP syslog receiver that counts frames (RFC 6587). */
export async function siemExportRate(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), "bulwark-bench-siem-"));
  let received = 0;
  let done: () => void = () => {};
  const all = new Promise<void>((r) => (done = r));
  const receiver = net.createServer((socket) => {
    let pending = "";
    socket.setEncoding("latin1");
    socket.on("data", (chunk: string) => {
      pending += chunk;
      for (;;) {
        const space = pending.indexOf(" ");
        const length = space === -1 ? Number.NaN : Number(pending.slice(0, space));
        if (!(length > 0) || pending.length < space + 1 + length) break;
        pending = pending.slice(space + 1 + length);
        if (++received === SIEM_ITEMS) done();
      }
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", () => r()));
  const db = openDatabase(join(dir, "bulwark.db"));
  const outbox = new SiemOutbox(db, { retry: { baseMs: 50, maxMs: 1_000 }, hostname: "bench" });
  try {
    outbox.addSink({ name: "bench", kind: "syslog", host: "127.0.0.1", port: (receiver.address() as net.AddressInfo).port, tls: false });
    const time = new Date().toISOString();
    for (let i = 0; i < SIEM_ITEMS; i += 500) {
      outbox.enqueueMany(Array.from({ length: 500 }, (_, j): SecurityEvent => ({
        id: randomUUID(), time, type: "waf.match", severity: "high", ruleId: "sqli-001", route: "POST /charge",
        clientIp: "203.0.113.7", reason: `union select #${i + j}`,
      })));
    }
    const t = performance.now();
    outbox.start();
    await all;
    return (SIEM_ITEMS * 1000) / (performance.now() - t);
  } finally {
    await outbox.stop();
    db.close();
    receiver.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
