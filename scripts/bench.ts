// `npm run bench`: cold start, warm latency and throughput through Bulwark next to the same
// handler in a bare node:http server, in one run, as ratios. Both servers run as child processes;
// this process only generates load. Prints a Markdown table for BENCHMARKS.md.
import autocannon from "autocannon";
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { auditAppendRate, siemExportRate } from "./bench-observe.ts";
import { benchManifest, ORDER_SCHEMA, shieldOverhead, stageCostUs, startIssuer } from "./bench-shield.ts";
import { stats } from "./bench-stats.ts";

const ROOT = resolve(import.meta.dirname, "..");
const HANDLER = "export async function handler(event) { return { ok: true, path: event.rawPath }; }\n";
const WARM_REQUESTS = 2_000;
const COLD_STARTS = 40;
const LOAD_SECONDS = 8;
const CONNECTIONS = 16;
const MANY_CONNECTIONS = 64;

const BARE_SERVER = `
import { createServer } from "node:http";
${HANDLER.replace("export ", "")}
createServer(async (req, res) => {
  const value = await handler({ rawPath: req.url });
  const body = JSON.stringify(value);
  res.writeHead(200, { "content-type": "application/json" });
  res.end(body);
}).listen(0, "127.0.0.1", function () { console.log("listening " + this.address().port); });
`;

async function timed(url: string): Promise<number> {
  const t = performance.now();
  const res = await fetch(url);
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`${url}: ${res.status}`);
  return performance.now() - t;
}

async function warmLatency(url: string): Promise<{ p50: number; p99: number }> {
  for (let i = 0; i < 200; i++) await timed(url);
  const samples: number[] = [];
  for (let i = 0; i < WARM_REQUESTS; i++) samples.push(await timed(url));
  return stats(samples);
}

async function throughput(url: string, connections = CONNECTIONS): Promise<number> {
  const result = await autocannon({ url, connections, duration: LOAD_SECONDS });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return result.requests.average;
}

function startChild(command: string, args: string[], ready: RegExp): Promise<{ child: ChildProcess; match: RegExpExecArray }> {
  const child = spawn(command, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  return new Promise((resolveStart, reject) => {
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const m = ready.exec(out);
      if (m) resolveStart({ child, match: m });
    });
    child.stderr!.resume();
    child.once("exit", (code) => reject(new Error(`${command} exited with ${code}: ${out}`)));
  });
}


async function cliDeploy(appDir: string, dataDir: string): Promise<void> {
  await new Promise<void>((done, fail) => {
    const c = spawn(process.execPath, [join(ROOT, "bin/bulwark.js"), "deploy", appDir, "--data-dir", dataDir], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    c.stdout.on("data", (d: Buffer) => (out += d.toString()));
    c.once("exit", (code) => {
      if (code !== 0) fail(new Error(`deploy exited ${code}`));
      else if (!/trivial\s+v\d+\s+created/.test(out)) fail(new Error(`the deploy made no new version: ${out}`));
      else done();
    });
  });
}

interface SandboxMemory {
  rss: number;
  pss: number;
  private: number;
}

/**
 * Memory of the idle sandbox that uses least, in MiB. RSS counts the node binary's pages that
 * every sandbox shares; PSS splits shared pages among their users; private is what one more
 * sandbox costs.
 */
function idleSandboxMemory(): SandboxMemory | undefined {
  const found: SandboxMemory[] = [];
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8");
      if (!cmd.includes("runtime.mjs") || cmd.includes("bwrap")) continue;
      const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
      const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(rollup)?.[1] ?? 0) / 1024;
      found.push({ rss: kib("Rss"), pss: kib("Pss"), private: kib("Private_Clean") + kib("Private_Dirty") });
    } catch {
      // The process ended while we looked.
    }
  }
  return found.sort((a, b) => a.rss - b.rss)[0];
}

/** First-call latency of COLD_STARTS new versions, each deployed while the platform runs. */
async function coldStarts(url: string, appDir: string, dataDir: string, writeApp: (n: number) => void, first: number): Promise<{ p50: number; p99: number }> {
  const cold: number[] = [];
  for (let i = first; i < first + COLD_STARTS; i++) {
    writeApp(i);
    await cliDeploy(appDir, dataDir);
    await new Promise((r) => setTimeout(r, 150)); // let the spare pool refill, as between real deploys
    cold.push(await timed(url));
  }
  return stats(cold);
}

async function main(): Promise<void> {
  const appDir = mkdtempSync(join(tmpdir(), "bulwark-bench-app-"));
  const dataDir = mkdtempSync(join(tmpdir(), "bulwark-bench-data-"));
  // The app adds routes with the full edge pipeline (JWT, schema, WAF, rate limits): bench-shield.ts.
  const issuer = await startIssuer();
  const writeApp = (n: number) => {
    mkdirSync(join(appDir, "schemas"), { recursive: true });
    writeFileSync(join(appDir, "schemas", "order.json"), ORDER_SCHEMA);
    writeFileSync(join(appDir, "bulwark.yaml"), benchManifest(issuer.jwksUrl));
    // A constant the handler returns, so every build is a new bundle (a comment would be stripped).
    writeFileSync(join(appDir, "h.js"), HANDLER.replace("ok: true", `ok: true, build: ${n}`));
  };
  writeApp(0);
  const bare = await startChild(process.execPath, ["--input-type=module", "-e", BARE_SERVER], /listening (\d+)/);
  const bareUrl = `http://127.0.0.1:${bare.match[1]}/t`;
  let platform = await startChild(process.execPath, [join(ROOT, "bin/bulwark.js"), "up", appDir, "--port", "0", "--data", dataDir], /serving at (http:\S+)/);
  const url = `${platform.match[1]}/t`;
  try {
    // Cold start: the first call of a new version (each deploy changes the bundle).
    const coldStats = await coldStarts(url, appDir, dataDir, writeApp, 1);
    const warmBulwark = await warmLatency(url);
    const warmBare = await warmLatency(bareUrl);
    const memory = idleSandboxMemory();
    const rpsBare = await throughput(bareUrl);
    const rpsBulwark = await throughput(url);
    const rpsShared = await throughput(`${platform.match[1]}/s`);
    // With more connections than the platform's round trip keeps busy: throughput at saturation.
    const rpsBareMany = await throughput(bareUrl, MANY_CONNECTIONS);
    const rpsSharedMany = await throughput(`${platform.match[1]}/s`, MANY_CONNECTIONS);
    const shield = await shieldOverhead(platform.match[1]!, bareUrl, issuer.token);
    // The same cold starts without pre-started spares: what a burst beyond the spares costs.
    platform.child.kill("SIGTERM");
    await new Promise((r) => platform.child.once("exit", r));
    const bareStart = await startChild(process.execPath, [join(ROOT, "bin/bulwark.js"), "up", appDir, "--port", "0", "--data", dataDir, "--spares", "0"], /serving at (http:\S+)/);
    platform = bareStart;
    const coldNoSpare = await coldStarts(`${bareStart.match[1]}/t`, appDir, dataDir, writeApp, 1000);

    const f = (n: number) => n.toFixed(2);
    const lines = [
      `Machine: ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`,
      "",
      "| measure | Bulwark | bare node:http | ratio / overhead | target |",
      "| --- | --- | --- | --- | --- |",
      `| cold start p50 (first call of a new version) | ${f(coldStats.p50)} ms | – | – | ≤ 60 ms |`,
      `| cold start p99 | ${f(coldStats.p99)} ms | – | – | |`,
      `| cold start without a pre-started spare p50 / p99 | ${f(coldNoSpare.p50)} / ${f(coldNoSpare.p99)} ms | – | – | |`,
      `| warm latency p50 | ${f(warmBulwark.p50)} ms | ${f(warmBare.p50)} ms | +${f(warmBulwark.p50 - warmBare.p50)} ms | ≤ +1 ms |`,
      `| warm latency p99 | ${f(warmBulwark.p99)} ms | ${f(warmBare.p99)} ms | +${f(warmBulwark.p99 - warmBare.p99)} ms | |`,
      `| throughput (${CONNECTIONS} connections, ${LOAD_SECONDS} s), one invocation per sandbox (the default) | ${rpsBulwark.toFixed(0)} req/s | ${rpsBare.toFixed(0)} req/s | ${((100 * rpsBulwark) / rpsBare).toFixed(0)} % | ≥ 40 % |`,
      `| throughput, \`sandbox: { invocations: 16 }\` | ${rpsShared.toFixed(0)} req/s | ${rpsBare.toFixed(0)} req/s | ${((100 * rpsShared) / rpsBare).toFixed(0)} % | ≥ 40 % |`,
      `| throughput, \`sandbox: { invocations: 16 }\`, ${MANY_CONNECTIONS} connections | ${rpsSharedMany.toFixed(0)} req/s | ${rpsBareMany.toFixed(0)} req/s | ${((100 * rpsSharedMany) / rpsBareMany).toFixed(0)} % | |`,
      `| full pipeline (JWT ES256 + schema + WAF + rate limits), added latency p50 / p99 over POST /plain | +${f(shield.full.p50 - shield.plain.p50)} / +${f(shield.full.p99 - shield.plain.p99)} ms | – | plain ${f(shield.plain.p50)} / ${f(shield.plain.p99)} ms | ≤ +0.3 ms p50 |`,
      `| full pipeline throughput (${CONNECTIONS} connections, ${LOAD_SECONDS} s, POST with a JSON body) | ${shield.rpsFull.toFixed(0)} req/s | ${shield.rpsBare.toFixed(0)} req/s | ${((100 * shield.rpsFull) / shield.rpsBare).toFixed(0)} % | |`,
      `| edge protection CPU per request, in-process (IP list, bucket, WAF head, parse, WAF body, schema) | ${stageCostUs().total.toFixed(1)} µs | – | – | |`,
      `| idle warm sandbox memory: RSS / PSS / private | ${memory === undefined ? "n/a" : `${memory.rss.toFixed(1)} / ${memory.pss.toFixed(1)} / ${memory.private.toFixed(1)} MiB`} | – | – | ≤ 40 MiB |`,
    ];
    // Audit and SIEM (issue 5), in this process on temp files once the platforms are done.
    const audit = auditAppendRate();
    const siemRate = await siemExportRate();
    lines.push(
      `| audit append, durable (synchronous=FULL, one record per commit) | ${audit.perCommit.toFixed(0)} records/s (${(audit.appendUs / 1000).toFixed(2)} ms each) | – | +${(audit.appendUs / 1000).toFixed(2)} ms per audited call (control API, secret read); 0 on a plain warm invocation, which appends nothing | ≤ 5 % on the warm path |`,
      `| audit append, 100 records per commit (batched events) | ${audit.batched.toFixed(0)} records/s | – | – | |`,
      `| SIEM export, CEF over TCP syslog to a local receiver | ${siemRate.toFixed(0)} events/s | – | – | |`,
    );
    console.log(lines.join("\n"));
    // The deploy gate's scan (issue 7): its own script and table, a fresh process per run.
    console.log(`\n${execFileSync(process.execPath, [join(ROOT, "scripts", "bench-scan.ts")], { encoding: "utf8" })}`);
    // The broker's round trips and KV throughput (issue 4): its own script, platform and table.
    console.log(`\n${execFileSync(process.execPath, [join(ROOT, "scripts", "bench-broker.ts")], { encoding: "utf8" })}`);
  } finally {
    platform.child.kill("SIGTERM");
    bare.child.kill("SIGTERM");
    await issuer.close();
    await new Promise((r) => platform.child.once("exit", r));
    rmSync(appDir, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
