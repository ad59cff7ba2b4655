// `node scripts/bench-broker.ts [--profile DIR]`, run by `npm run bench` (issue 4): the broker round
// trip of `kv.get`, `kv.put` and `secrets.get` from inside a warm sandbox, the same calls on the
// broker in this process, and KV throughput with encryption on and off. Prints a Markdown table.
//
// - Round trips are timed by the function itself (performance.now() around each ctx call), so a
//   sample is exactly: frame out, the broker's work, frame back. No HTTP, no invocation.
// - "In process" calls broker.handle directly: the broker's own work, without the channel, on
//   test/broker/bench.ts's services, whose audit log does not sync each commit as the platform's
//   does: for `secrets.get` the difference is mostly that sync (the durable audit record).
// - "Encryption off" is the same KvService (key checks, the quota transaction, the same SQLite
//   statements) with a Sealer whose seal and open are the identity, built only here: the
//   platform has no switch that stores plaintext, and timing the bare store instead would also
//   drop the work that stays when encryption is off. The difference is the AEAD work alone: a
//   fresh data key, its wrapping, AES-256-GCM of the value and the reverse on read.
// - `--profile DIR` starts the platform with --cpu-prof, for finding where a round trip goes.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { KvService } from "../src/broker/kv.ts";
import { DEFAULT_LIMITS } from "../src/broker/limits.ts";
import { MasterKeyRing } from "../src/broker/master-key-ring.ts";
import { Sealer } from "../src/broker/sealing.ts";
import type { EncryptionContext } from "../src/broker/crypto/context.ts";
import type { SealedValue } from "../src/store/sealed.ts";
import { SqliteKvStore } from "../src/store/sqlite/kv.ts";
import { openDatabase } from "../src/store/sqlite/open.ts";
import { brokerBench } from "../test/broker/bench.ts";
import { up, writeApp, type RunningPlatform } from "../test/e2e/harness.ts";
import { type Percentiles, stats } from "./bench-stats.ts";

const SAMPLES_PER_ROUND = 1_000;
const ROUNDS = 5;
const WARM_UP = 500;
const IN_FLIGHT = 32;
const IN_FLIGHT_CALLS = 5_000;
const IN_PROCESS_CALLS = 5_000;
const KV_OPS = 20_000;
const VALUE = "v".repeat(100);
const OPS = ["kv.get", "kv.put", "secrets.get"] as const;
type Op = (typeof OPS)[number];

const MANIFEST = `app: bench
functions:
  rt:
    handler: rt.js
    timeout: 60s
    permissions:
      secrets: [BENCH_SECRET]
      kv: { bench: [read, write] }
    triggers:
      - http: { method: POST, path: /rt, auth: none, waf: off }
`;

/** Times each call in the sandbox, or with `inFlight` > 0 keeps that many open and counts calls/s. */
const HANDLER = `
const VALUE = ${JSON.stringify(VALUE)};
export async function handler(event, ctx) {
  const { op, n, inFlight } = JSON.parse(event.body);
  const kv = ctx.kv("bench");
  const call = {
    "kv.get": () => kv.get("hot"),
    "kv.put": () => kv.put("hot", VALUE),
    "secrets.get": () => ctx.secrets.get("BENCH_SECRET"),
  }[op];
  if (inFlight > 0) {
    let left = n;
    const t = performance.now();
    await Promise.all(Array.from({ length: inFlight }, async () => { while (left-- > 0) await call(); }));
    return { perSecond: (n * 1000) / (performance.now() - t) };
  }
  const samples = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await call();
    samples.push(performance.now() - t);
  }
  return { samples };
}
`;

interface SandboxFigures {
  roundTrip: Record<Op, Percentiles>;
  perSecond: Record<Op, number>;
}

async function run(p: RunningPlatform, op: Op, n: number, inFlight = 0): Promise<{ samples?: number[]; perSecond?: number }> {
  const res = await p.fetch("/rt", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ op, n, inFlight }) });
  if (res.status !== 200) throw new Error(`${op}: ${res.status} ${await res.text()}`);
  return (await res.json()) as { samples?: number[]; perSecond?: number };
}

async function fromSandbox(profileDir: string | undefined): Promise<SandboxFigures> {
  const appDir = writeApp({ "bulwark.yaml": MANIFEST, "rt.js": HANDLER });
  const p = await up(appDir, [], profileDir === undefined ? {} : { env: { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${profileDir}` } });
  try {
    const file = join(appDir, "secret.value");
    writeFileSync(file, "s3cr3t-value-for-the-broker-bench", { mode: 0o600 });
    const set = p.cli(["secrets", "set", "BENCH_SECRET", "--from-file", file]);
    if (set.code !== 0) throw new Error(`secrets set: ${set.stderr}`);
    await run(p, "kv.put", 1);
    const roundTrip = {} as Record<Op, Percentiles>;
    for (const op of OPS) {
      await run(p, op, WARM_UP);
      const samples: number[] = [];
      for (let r = 0; r < ROUNDS; r++) samples.push(...((await run(p, op, SAMPLES_PER_ROUND)).samples ?? []));
      roundTrip[op] = stats(samples.map((ms) => ms * 1000));
    }
    const perSecond = {} as Record<Op, number>;
    for (const op of OPS) perSecond[op] = (await run(p, op, IN_FLIGHT_CALLS, IN_FLIGHT)).perSecond ?? 0;
    return { roundTrip, perSecond };
  } finally {
    await p.stop();
  }
}

/** broker.handle in this process: the broker's own share of a round trip. */
async function inProcess(): Promise<Record<Op, Percentiles>> {
  const b = await brokerBench();
  try {
    b.deploy(MANIFEST);
    b.secrets.set("BENCH_SECRET", "s3cr3t-value-for-the-broker-bench");
    const args: Record<Op, unknown[]> = { "kv.get": ["bench", "hot"], "kv.put": ["bench", "hot", VALUE], "secrets.get": ["BENCH_SECRET"] };
    await b.call("rt", "kv.put", args["kv.put"]);
    const figures = {} as Record<Op, Percentiles>;
    for (const op of OPS) {
      const samples: number[] = [];
      for (let i = 0; i < WARM_UP + IN_PROCESS_CALLS; i++) {
        const t = performance.now();
        await b.call("rt", op, args[op]);
        if (i >= WARM_UP) samples.push((performance.now() - t) * 1000);
      }
      figures[op] = stats(samples);
    }
    return figures;
  } finally {
    b.close();
  }
}

/** Seals nothing: the bench's stand-in for "encryption off" (see the top of this file). */
class IdentitySealer extends Sealer {
  override seal(plaintext: Uint8Array, _context: EncryptionContext): SealedValue {
    return { wrappedKey: Buffer.alloc(0), ciphertext: Buffer.from(plaintext) };
  }

  override open(sealed: SealedValue, _context: EncryptionContext, _what: string): Buffer {
    return sealed.ciphertext;
  }
}

interface KvRates {
  put: number;
  get: number;
}

async function kvThroughput(): Promise<{ on: KvRates; off: KvRates }> {
  const dir = mkdtempSync(join(tmpdir(), "bulwark-bench-kv-"));
  const db = openDatabase(join(dir, "bulwark.db"));
  try {
    const store = new SqliteKvStore(db);
    const ring = await MasterKeyRing.open(join(dir, "keys"), {}, [db], () => {});
    const rates = (kv: KvService, namespace: string): KvRates => {
      let t = performance.now();
      for (let i = 0; i < KV_OPS; i++) kv.put(namespace, `key-${i}`, VALUE);
      const put = (KV_OPS * 1000) / (performance.now() - t);
      t = performance.now();
      for (let i = 0; i < KV_OPS; i++) kv.get(namespace, `key-${(i * 7919) % KV_OPS}`);
      return { put, get: (KV_OPS * 1000) / (performance.now() - t) };
    };
    const app = () => "bench";
    const on = rates(new KvService(store, new Sealer(ring), app, DEFAULT_LIMITS), "on");
    const off = rates(new KvService(store, new IdentitySealer(ring), app, DEFAULT_LIMITS), "off");
    return { on, off };
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const i = process.argv.indexOf("--profile");
  const profileDir = i < 0 ? undefined : process.argv[i + 1];
  const loadBefore = loadavg()[0]!;
  const sandbox = await fromSandbox(profileDir);
  const loadAfter = loadavg()[0]!;
  const local = await inProcess();
  const kv = await kvThroughput();
  const us = (p: Percentiles) => `${p.p50.toFixed(0)} / ${p.p99.toFixed(0)} µs`;
  const n = (x: number) => x.toFixed(0);
  const lines = [
    `Broker (issue 4): ${cpus().length} CPUs, load average ${loadBefore.toFixed(2)} before and ${loadAfter.toFixed(2)} after the sandbox runs; ` +
      `${ROUNDS * SAMPLES_PER_ROUND} timed calls per op from one warm sandbox, ${IN_PROCESS_CALLS} in process`,
    "",
    "| measure | p50 / p99 | in process (no channel, no audit sync) p50 / p99 | target |",
    "| --- | --- | --- | --- |",
    ...OPS.map((op) => `| broker round trip from a warm sandbox: \`${op}\` | ${us(sandbox.roundTrip[op])} | ${us(local[op])} | ${op === "kv.put" ? "" : "≤ 150 µs p50"} |`),
    "",
    "| throughput | encryption on | encryption off (identity sealer) |",
    "| --- | --- | --- |",
    `| KV put, in process, one transaction each | ${n(kv.on.put)} ops/s | ${n(kv.off.put)} ops/s |`,
    `| KV get, in process | ${n(kv.on.get)} ops/s | ${n(kv.off.get)} ops/s |`,
    ...OPS.map((op) => `| \`${op}\` from one sandbox, ${IN_FLIGHT} calls in flight | ${n(sandbox.perSecond[op])} calls/s | – |`),
  ];
  console.log(lines.join("\n"));
}

await main();
