// Builds the broker and everything behind it from the platform's database and data dir: the
// master key, the encrypted stores, workload tokens, the call history. platform.ts only wires
// the result in.
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
import { MasterKeyRing, type RotationResult } from "./master-key-ring.ts";
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
  dataDir: string;
  /** The state database (bulwark.db): secrets, KV, the object index and call history live there. */
  db: DatabaseSync;
  masterKey: MasterKeySource;
  events: SecurityEventRecorder;
  audit: AuditLog;
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
  rotateMaster(): Promise<RotationResult>;
  /** Writes what is batched (call history, refusal audit records). */
  flush(): void;
}

export async function openBrokerServices(config: BrokerConfig): Promise<BrokerServices> {
  const { db, dataDir, log } = config;
  const limits: BrokerLimits = { ...DEFAULT_LIMITS, ...config.limits };
  const keysDir = join(dataDir, "keys");
  // The stores first: their tables hold the wrapped keys the master key is checked against.
  const secretStore = new SqliteSecretStore(db);
  const kvStore = new SqliteKvStore(db);
  const objectStore = new SqliteObjectStore(db, new BlobFiles(join(dataDir, "objects")));
  const keys = await openKeyRing(config, keysDir);
  const sealer = new Sealer(keys);
  const secrets = new SecretService(secretStore, sealer, config.app, limits);
  const policies = new PolicyTable();
  const recorder = new CallRecorder(new SqliteCallLog(db));
  const records = new BrokerRecords(config.events, config.audit, log);
  const readSecrets = new ReadSecrets();
  const calls = new FunctionCalls(new WorkloadTokens(loadOrCreateWorkloadKey(keysDir)), config.run);
  const egress: EgressOptions = {
    timeoutMs: limits.fetchTimeoutMs,
    requestMaxBytes: limits.fetchRequestMaxBytes,
    responseMaxBytes: limits.fetchResponseMaxBytes,
    ...(config.egressCa === undefined ? {} : { ca: config.egressCa }),
  };
  const broker = new Broker({
    policies,
    secrets,
    kv: new KvService(kvStore, sealer, config.app, limits),
    objects: new ObjectService(objectStore, sealer, config.app, limits),
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
    rotateMaster: () => keys.rotate(db),
    flush() {
      recorder.flush();
      records.flush();
    },
  };
}

/** A master key the platform refuses (loose file mode, wrong key, bad format) is a security event. */
async function openKeyRing(config: BrokerConfig, keysDir: string): Promise<MasterKeyRing> {
  try {
    return await MasterKeyRing.open(keysDir, config.masterKey, config.db, (line) => config.log.warn(line));
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
