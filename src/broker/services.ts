// Builds the broker and everything behind it from one stage's database and data dir: the
// encrypted stores, workload tokens, the call history. The master key ring is the platform's,
// shared by every stage (openMasterKeyRing). platform.ts only wires the result in.
import type { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import type { Logger } from "pino";
import type { AuditLog } from "../security/audit/index.ts";
import type { SecurityEventRecorder } from "../security/recorder.ts";
import { BlobFiles } from "../store/blob-files.ts";
import { SqliteCallLog } from "../store/sqlite/broker-calls.ts";
import { SqliteKvStore } from "../store/sqlite/kv.ts";
import { SqliteObjectStore } from "../store/sqlite/objects.ts";
import { SqliteSecretStore } from "../store/sqlite/secrets.ts";
import { Broker } from "./broker.ts";
import { CallRecorder } from "./call-log.ts";
import type { MasterKeySource } from "./crypto/master-key-file.ts";
import type { EgressOptions } from "./egress/fetch.ts";
import { PolicyInsights } from "./insights.ts";
import { KvService } from "./kv.ts";
import { type BrokerLimits, DEFAULT_LIMITS } from "./limits.ts";
import { MasterKeyRing } from "./master-key-ring.ts";
import { ObjectService } from "./objects.ts";
import { PolicyTable } from "./policies.ts";
import { ReadSecrets } from "./read-secrets.ts";
import { BrokerRecords } from "./records.ts";
import { Sealer } from "./sealing.ts";
import { SecretService } from "./secrets.ts";
import { FunctionCalls, type RunFunction } from "./workload/calls.ts";
import { loadOrCreateWorkloadKey } from "./workload/signing-key.ts";
import { WorkloadTokens } from "./workload/token.ts";

export interface BrokerConfig {
  /** The stage's data dir: objects/ and keys/ (the workload signing key) are under it. */
  dataDir: string;
  /** The stage's state database (bulwark.db): secrets, KV, the object index and call history live there. */
  db: DatabaseSync;
  /** The master key, opened with every stage's database (openMasterKeyRing). */
  keys: MasterKeyRing;
  events: Pick<SecurityEventRecorder, "record">;
  audit: Pick<AuditLog, "appendBatch">;
  log: Logger;
  /** The deployed app's name, bound into every encryption context. */
  app(): string | undefined;
  /** Runs a function for ctx.invoke, after its workload token verified. */
  run: RunFunction;
  limits?: Partial<BrokerLimits>;
  /** Extra CA certificates trusted for egress TLS. */
  egressCa?: EgressOptions["ca"];
}

export interface BrokerServices {
  broker: Broker;
  policies: PolicyTable;
  secrets: SecretService;
  insights: PolicyInsights;
  calls: FunctionCalls;
  readSecrets: ReadSecrets;
  /** Seals with the current master key; the people store keeps TOTP secrets with it. */
  sealer: Sealer;
  /** At stop: writes what is batched (call history, refusal audit records, folded quota refusals). */
  flush(): void;
}

export function openBrokerServices(config: BrokerConfig): BrokerServices {
  const { db, dataDir, log } = config;
  const limits: BrokerLimits = { ...DEFAULT_LIMITS, ...config.limits };
  const keysDir = join(dataDir, "keys");
  const secretStore = new SqliteSecretStore(db);
  const kvStore = new SqliteKvStore(db);
  const objectStore = new SqliteObjectStore(db, new BlobFiles(join(dataDir, "objects")));
  const sealer = new Sealer(config.keys);
  const app = appOnceKnown(config.app);
  const secrets = new SecretService(secretStore, sealer, app, limits);
  const policies = new PolicyTable();
  const recorder = new CallRecorder(new SqliteCallLog(db));
  const records = new BrokerRecords(config.events, config.audit, log);
  const readSecrets = new ReadSecrets();
  const calls = new FunctionCalls(new WorkloadTokens(loadOrCreateWorkloadKey(keysDir)), config.run, limits.invokeDepthMax);
  const egress: EgressOptions = {
    timeoutMs: limits.fetchTimeoutMs,
    requestMaxBytes: limits.fetchRequestMaxBytes,
    responseMaxBytes: limits.fetchResponseMaxBytes,
    ...(config.egressCa === undefined ? {} : { ca: config.egressCa }),
  };
  const broker = new Broker({
    policies,
    secrets,
    kv: new KvService(kvStore, sealer, app, limits),
    objects: new ObjectService(objectStore, sealer, app, limits),
    calls,
    egress,
    recorder,
    records,
    readSecrets,
    log,
  });
  return {
    broker,
    policies,
    secrets,
    insights: new PolicyInsights(policies, recorder, secrets),
    calls,
    readSecrets,
    sealer,
    flush() {
      recorder.flush();
      records.close();
    },
  };
}

/**
 * The app name, asked for until it is known and then kept: every KV, object and secret call binds
 * it, and the state store answers with a SQLite query (a tenth of a `kv.get`, measured). A
 * database serves one app for life (deploy refuses another name), so a known name never changes.
 */
function appOnceKnown(read: () => string | undefined): () => string | undefined {
  let known: string | undefined;
  return () => (known ??= read());
}

export interface KeyRingConfig {
  keysDir: string;
  masterKey: MasterKeySource;
  /** Every stage's database. */
  dbs: readonly DatabaseSync[];
  events: Pick<SecurityEventRecorder, "record" | "flush">;
  log: Logger;
}

/**
 * The platform's master key, checked against the data of every stage before anything is sealed
 * with it. A key the platform refuses (loose file mode, wrong key, bad format) is a security event.
 */
export async function openMasterKeyRing(config: KeyRingConfig): Promise<MasterKeyRing> {
  try {
    return await MasterKeyRing.open(config.keysDir, config.masterKey, config.dbs, (line) => config.log.warn(line));
  } catch (e) {
    config.events.record({
      type: "masterkey.refused",
      severity: "high",
      reason: e instanceof Error ? e.message : String(e),
      details: { source: config.masterKey.file !== undefined ? "file" : config.masterKey.env !== undefined ? "env" : "data-dir" },
    });
    config.events.flush();
    throw e;
  }
}
