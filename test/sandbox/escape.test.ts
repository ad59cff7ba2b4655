// Escape attempts from inside real sandboxes. Each attempt is a handler that tries to reach
// something outside its sandbox and reports what happened; every attempt must fail. Attempts
// run twice where it matters: through node (namespaces + permission model) and through a shell
// in a sandbox allowed to run programs, where only the namespaces stand in the way.

import assert from "node:assert/strict";
import { createServer } from "node:net";
import type { Server } from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { TestBench, context, processExists } from "./helpers.ts";

/** A handler that runs `body` and returns { escaped, value } or { escaped: false, code }. */
const attempt = (body: string) => `
import * as fs from "node:fs";
import * as net from "node:net";
import * as cp from "node:child_process";
export async function handler(input) {
  try {
    const value = await (async () => { ${body} })();
    return { escaped: true, value };
  } catch (e) {
    return { escaped: false, code: e.code ?? e.name };
  }
}
`;

/** A handler that runs a shell command and returns its exit status and output. */
const SHELL = `
import { spawnSync } from "node:child_process";
export function handler(input) {
  const r = spawnSync("/bin/sh", ["-c", input.script], { encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, error: r.error?.code };
}
`;

const CANARY = "BULWARK_TEST_CANARY";

let bench: TestBench;
let server: Server;
let port = 0;
let connections = 0;

before(async () => {
  bench = new TestBench();
  process.env[CANARY] = "canary-value-that-must-not-leak";
  server = createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as { port: number }).port;
});

after(async () => {
  delete process.env[CANARY];
  server.close();
  await bench.close();
});

async function run(body: string, input: unknown = {}, profile = {}): Promise<{ escaped: boolean; code?: string; value?: unknown }> {
  const sandbox = await bench.load(attempt(body), { profile });
  try {
    return (await sandbox.invoke(input, context(), 10_000)) as { escaped: boolean; code?: string };
  } finally {
    await sandbox.kill();
  }
}

async function shell(script: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const sandbox = await bench.load(SHELL, { profile: { childProcesses: true } });
  try {
    return (await sandbox.invoke({ script }, context(), 10_000)) as { status: number | null; stdout: string; stderr: string };
  } finally {
    await sandbox.kill();
  }
}

describe("escape attempts through node", () => {
  it("cannot read /etc/shadow or /etc/passwd", async () => {
    assert.equal((await run(`return fs.readFileSync("/etc/shadow", "utf8");`)).escaped, false);
    assert.equal((await run(`return fs.readFileSync("/etc/passwd", "utf8");`)).escaped, false);
  });

  it("cannot read the host work directory of another sandbox", async () => {
    const workDir = join(bench.dir, "victim");
    const victim = await bench.load(`export const handler = () => "victim";`, { workDir });
    const r = await run(`return [fs.readdirSync(input.workDir), fs.readFileSync(input.workDir + "/bundle/function.mjs", "utf8")];`, { workDir });
    assert.equal(r.escaped, false);
    assert.equal(await victim.invoke(null, context(), 5000), "victim");
  });

  it("cannot write into its own /bundle", async () => {
    const r = await run(`fs.writeFileSync(new URL(import.meta.url), "overwritten"); return "written";`);
    assert.equal(r.escaped, false);
    assert.equal((await run(`fs.writeFileSync("/bundle/new.mjs", "x"); return "written";`)).escaped, false);
  });

  it("cannot open a TCP connection to a server on the host's 127.0.0.1", async () => {
    const r = await run(
      `return await new Promise((resolve, reject) => {
        const s = net.connect({ host: "127.0.0.1", port: input.port });
        s.once("connect", () => { s.destroy(); resolve("connected"); });
        s.once("error", reject);
      });`,
      { port },
    );
    assert.equal(r.escaped, false);
    assert.equal(connections, 0);
  });

  it("cannot see the platform's environment", async () => {
    const r = await run(`return { env: process.env };`);
    assert.equal(JSON.stringify(r).includes("canary-value"), false);
    assert.deepEqual(Object.keys((r.value as { env: object }).env).sort(), ["HOME", "NODE_ENV", "PWD"]);
  });

  it("cannot signal or inspect the platform: its pid does not exist inside", async () => {
    const r = await run(`process.kill(input.pid, "SIGKILL"); return "sent";`, { pid: process.pid });
    assert.deepEqual(r, { escaped: false, code: "ESRCH" });
    assert.equal((await run(`return fs.readFileSync("/proc/" + input.pid + "/environ", "utf8");`, { pid: process.pid })).escaped, false);
    assert.equal(processExists(process.pid), true);
  });

  it("cannot start processes without the child-process grant", async () => {
    const r = await run(`return cp.execFileSync(process.execPath, ["-e", "1"]).toString();`);
    assert.deepEqual(r, { escaped: false, code: "ERR_ACCESS_DENIED" });
  });

  it("contains a fork bomb with the grant: the pids limit stops it and the platform is unaffected", async () => {
    const r = await run(
      `const errors = new Set(); let started = 0;
      for (let i = 0; i < 300; i++) {
        try {
          const child = cp.spawn("/bin/sleep", ["30"], { stdio: "ignore" });
          await new Promise((resolve) => { child.once("spawn", () => { started++; resolve(); }); child.once("error", (e) => { errors.add(e.code); resolve(); }); });
        } catch (e) { errors.add(e.code); }
      }
      return { started, errors: [...errors] };`,
      {},
      { childProcesses: true, memoryBytes: 256 * 1024 * 1024 },
    );
    const { started, errors } = r.value as { started: number; errors: string[] };
    assert.ok(started < 64, `started ${started} processes`);
    assert.deepEqual(errors, ["EAGAIN"]);
    const after = await bench.load(`export const handler = () => "still serving";`);
    assert.equal(await after.invoke(null, context(), 5000), "still serving");
  });

  it("cannot read another sandbox's /tmp", async () => {
    const writer = await bench.load(attempt(`fs.writeFileSync("/tmp/secret", "mine"); return fs.readFileSync("/tmp/secret", "utf8");`));
    assert.deepEqual(await writer.invoke({}, context(), 5000), { escaped: true, value: "mine" });
    assert.equal((await run(`return fs.readFileSync("/tmp/secret", "utf8");`)).escaped, false);
  });

  it("cannot write /tmp without the tmp grant", async () => {
    const r = await run(`fs.writeFileSync("/tmp/x", "1"); return "written";`, {}, { tmpWrite: false });
    assert.equal(r.escaped, false);
  });
});

describe("escape attempts through a shell (namespaces alone)", () => {
  it("runs as an unprivileged uid with no capabilities", async () => {
    const r = await shell(`id -u; grep CapEff /proc/self/status`);
    assert.equal(r.stdout, "65534\nCapEff:\t0000000000000000\n");
  });

  it("sees no /etc, /home, /work, /root or the platform's work directories", async () => {
    for (const path of ["/etc/shadow", "/etc/passwd", "/home", "/work", "/root", bench.dir]) {
      const r = await shell(`ls -d ${path}`);
      assert.notEqual(r.status, 0, `${path} is visible: ${r.stdout}`);
    }
  });

  it("cannot write /bundle, /usr or the root", async () => {
    for (const path of ["/bundle/x", "/usr/x", "/x"]) {
      assert.notEqual((await shell(`echo x > ${path}`)).status, 0, `${path} is writable`);
    }
  });

  it("sees only its own processes, not the platform's", async () => {
    const r = await shell(`ls /proc | grep -c '^[0-9]'; test -e /proc/${process.pid}/environ && cat /proc/${process.pid}/environ`);
    assert.ok(Number(r.stdout.split("\n")[0]) < 10);
    assert.equal(r.stdout.includes("canary"), false);
  });

  it("has no network but its own loopback", async () => {
    const r = await shell(`cat /proc/net/dev | grep -v -e Inter -e face | cut -d: -f1 | tr -d ' '`);
    assert.equal(r.stdout, "lo\n");
  });

  it("is refused the syscalls of kernel exploits by seccomp (ptrace, unshare, …)", async () => {
    const r = await shell(
      `grep '^Seccomp:' /proc/self/status
      strace -o /dev/null /bin/true 2>&1 | grep -q 'PTRACE_TRACEME: Operation not permitted' && echo ptrace-refused
      unshare --user /bin/true 2>&1 | grep -q 'Operation not permitted' && echo unshare-refused
      true`,
    );
    assert.equal(r.stdout, "Seccomp:\t2\nptrace-refused\nunshare-refused\n");
  });

  it("cannot create a user namespace to regain privileges", async () => {
    const r = await shell(`unshare --user --map-root-user id -u`);
    assert.notEqual(r.status, 0);
  });
});
