// Real broker services on a temp data dir, for the broker's unit tests: SQLite stores, the master
// key, workload tokens, security events and the audit log; functions deployed from manifest YAML.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import type { BrokerCall } from "../../src/broker/broker.ts";
import { type BrokerServices, openBrokerServices, openMasterKeyRing } from "../../src/broker/services.ts";
import type { BrokerLimits } from "../../src/broker/limits.ts";
import type { CalleeInvocation } from "../../src/broker/workload/calls.ts";
import { parseManifest } from "../../src/core/manifest/parse.ts";
import { AuditLog, loadOrCreateAuditKey } from "../../src/security/audit/index.ts";
import { SecurityEventRecorder } from "../../src/security/recorder.ts";
import { openDatabase } from "../../src/store/sqlite/open.ts";
import type { FunctionVersion } from "../../src/store/state.ts";
import type { DatabaseSync } from "node:sqlite";

export interface BrokerBench extends BrokerServices {
  dir: string;
  db: DatabaseSync;
  events: SecurityEventRecorder;
  audit: AuditLog;
  runs: Array<{ fn: string; payload: unknown; invocation: CalleeInvocation }>;
  /** Deploys the functions of this manifest (YAML) as version `version`. */
  deploy(yaml: string, version?: number): void;
  /** A call from a sandbox of `fn` (version 1 unless given). */
  call(fn: string, op: string, args: unknown[], extra?: Partial<BrokerCall> & { tenant?: string }): Promise<unknown>;
  close(): void;
}

export async function brokerBench(limits: Partial<BrokerLimits> = {}): Promise<BrokerBench> {
  const dir = mkdtempSync(join(tmpdir(), "bulwark-broker-test-"));
  const db = openDatabase(join(dir, "bulwark.db"));
  const events = new SecurityEventRecorder(db);
  const audit = new AuditLog(openDatabase(join(dir, "audit.db")), { signingKey: loadOrCreateAuditKey(join(dir, "keys")).privateKey });
  const runs: BrokerBench["runs"] = [];
  let app: string | undefined;
  const log = pino({ level: "silent" });
  const services = openBrokerServices({
    dataDir: dir,
    db,
    keys: await openMasterKeyRing({ keysDir: join(dir, "keys"), masterKey: {}, dbs: [db], events, log }),
    events,
    audit,
    log,
    app: () => app,
    run: async (fn, payload, invocation) => {
      runs.push({ fn, payload, invocation });
      return { ran: fn };
    },
    limits,
  });
  return {
    ...services,
    dir,
    db,
    events,
    audit,
    runs,
    deploy(yaml, version = 1) {
      const { manifest } = parseManifest(yaml, "bulwark.yaml");
      app = manifest.app;
      const versions: FunctionVersion[] = Object.values(manifest.functions).map((spec) => ({
        app: manifest.app,
        function: spec.name,
        version,
        bundleHash: "0".repeat(64),
        spec,
        createdAt: new Date().toISOString(),
        deployedBy: "user:bench",
      }));
      services.policies.setActive(versions);
    },
    call(fn, op, args, extra = {}) {
      const { tenant, ...rest } = extra;
      return services.broker.handle({
        owner: { function: fn, version: 1, ...(tenant === undefined ? {} : { tenant }) },
        invocationId: "req-1",
        deadline: Date.now() + 60_000,
        depth: 0,
        op,
        args,
        ...rest,
      });
    },
    close() {
      services.flush();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
