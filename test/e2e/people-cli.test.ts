// The first admin and the people commands end to end: `up` prints a one-time admin password,
// `login` keeps the session in the config dir, `mfa enroll` shows a QR code and recovery codes,
// and `users` and `tokens` administer people and CI tokens.
import assert from "node:assert/strict";
import { chmodSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { manifest, up, writeApp, type RunningPlatform } from "./harness.ts";
import { api, cliAs, cliEnrol, configDir, controlOf, firstAdminPassword, type Control } from "./people-helpers.ts";

const ADMIN_PASSWORD = "correct horse battery staple";

describe("people: the first admin and the people commands", () => {
  let p: RunningPlatform;
  let c: Control;
  const admin = configDir();
  let devPassword = "";

  before(async () => {
    p = await up(
      writeApp({
        "bulwark.yaml": manifest("people-cli", { hello: { handler: "src/hello.js", routes: ["GET /hello"] } }),
        "src/hello.js": "export async function handler() { return { ok: true }; }\n",
      }),
    );
    c = controlOf(p);
  });
  after(() => p.stop());

  const as = (config: string, args: string[], input?: string) => cliAs([...args, "--data-dir", p.dataDir], { config, ...(input === undefined ? {} : { input }) });

  it("prints a one-time admin password at first start that signs in (user name asked on stdin)", async () => {
    assert.equal(p.stdout().match(/one-time password/g)?.length, 1);
    const oneTime = firstAdminPassword(p);
    const signIn = await as(admin, ["login"], `admin\n${oneTime}\n${ADMIN_PASSWORD}\n${ADMIN_PASSWORD}\n`);
    assert.equal(signIn.code, 0, signIn.stderr);
    assert.match(signIn.stdout, /signed in to http:\/\/127\.0\.0\.1:\d+ as admin \(roles: admin;/);
    assert.match(signIn.stdout, /password changed/);
    assert.match(signIn.stderr, /one-time password: choose your own/);
    assert.match(signIn.stderr, /mfa enroll/);
    // The one-time password was good for that one sign-in only.
    assert.equal((await api(c, null, "POST", "/v1/auth/login", { user: "admin", password: oneTime })).status, 401);
    const me = await as(admin, ["whoami"]);
    assert.equal(me.stdout, "admin (roles: admin; MFA not enrolled)\n");
    // The audit trail names admin for the session's calls, not the local operator.
    const trail = (await api(c, c.local, "GET", "/v1/audit?actorId=admin&action=auth.whoami")).body as unknown as unknown[];
    assert.equal(trail.length, 1);
  });

  it("will not grant a role before the admin has a second factor", async () => {
    const refused = await as(admin, ["users", "add", "dev", "--roles", "developer"]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^bulwark: roles\.manage needs an MFA check .*bulwark mfa enroll/);
  });

  it("enrols MFA with a QR code in the terminal and prints recovery codes once", async () => {
    const enrolled = await cliEnrol(p.dataDir, admin, ADMIN_PASSWORD);
    assert.equal(enrolled.code, 0, enrolled.stderr);
    assert.match(enrolled.stdout, /otpauth:\/\/totp\/Bulwark:admin\?secret=[A-Z2-7]+&issuer=Bulwark/);
    assert.ok((enrolled.stdout.match(/[▀▄█]/g)?.length ?? 0) > 200, "a QR code drawn with block characters");
    assert.equal(enrolled.stdout.match(/^ {2}[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}$/gm)?.length, 10);
  });

  it("adds, lists, re-roles and disables users", async () => {
    const added = await as(admin, ["users", "add", "dev", "--roles", "developer"]);
    assert.equal(added.code, 0, added.stderr);
    devPassword = /one-time password: (\S+)/.exec(added.stdout)![1]!;
    const listed = await as(admin, ["users", "ls"]);
    assert.match(listed.stdout, /^admin\s+active\s+yes\s+admin$/m);
    assert.match(listed.stdout, /^dev\s+active\s+no\s+developer$/m);
    const roles = await as(admin, ["users", "roles", "dev", "--set", "developer,auditor"]);
    assert.equal(roles.stdout, "dev now has roles: auditor, developer\n");

    const dev = configDir();
    const devFirst = await as(dev, ["login", "--user", "dev"], `${devPassword}\n`);
    assert.equal(devFirst.code, 2, "no new password was typed (a usage error)");
    assert.match(devFirst.stderr, /run `bulwark passwd`/);
    const blocked = await as(dev, ["ls"]);
    assert.match(blocked.stderr, /^bulwark: change your one-time password first: run `bulwark passwd`\n$/);
    const changed = await as(dev, ["passwd"], `${devPassword}\ndev-picked-a-passphrase\ndev-picked-a-passphrase\n`);
    assert.equal(changed.code, 0, changed.stderr);
    const forbidden = await as(dev, ["users", "ls"]);
    assert.equal(forbidden.code, 1);
    assert.match(forbidden.stderr, /^bulwark: your roles do not allow users\.manage\n$/);

    const disabled = await as(admin, ["users", "disable", "dev"]);
    assert.equal(disabled.stdout, "disabled dev (1 session(s) ended)\n");
    const afterDisable = await as(dev, ["whoami"]);
    assert.equal(afterDisable.code, 1);
    assert.match(afterDisable.stderr, /credential was refused \(revoked session\)/);
    const last = await as(admin, ["users", "disable", "admin"]);
    assert.match(last.stderr, /last enabled admin/);
  });

  it("creates, lists and revokes CI tokens", async () => {
    const created = await as(admin, ["tokens", "create", "--role", "operator", "--stage", "prod", "--expires", "2h", "--name", "release"]);
    assert.equal(created.code, 0, created.stderr);
    const [, id] = /created CI token (ci_[0-9a-f]+) \(role operator, stage prod, expires /.exec(created.stdout) ?? [];
    const token = created.stdout.split("\n")[1]!;
    assert.match(token, /^bwci_[A-Za-z0-9_-]{43}$/);
    const ci = await cliAs(["whoami", "--data-dir", p.dataDir], { config: configDir(), env: { BULWARK_TOKEN: token } });
    assert.equal(ci.stdout, "CI token release (stage prod) (roles: operator)\n");
    assert.match((await as(admin, ["tokens", "ls"])).stdout, new RegExp(`^${id}\\s+release\\s+operator\\s+prod\\s+active `, "m"));
    assert.equal((await as(admin, ["tokens", "revoke", id!])).code, 0);
    assert.match((await as(admin, ["tokens", "ls"])).stdout, new RegExp(`^${id}\\s+release\\s+operator\\s+prod\\s+revoked `, "m"));
    const bad = await as(admin, ["tokens", "create", "--role", "admin", "--stage", "prod"]);
    assert.match(bad.stderr, /role is one of: developer, operator, auditor/);
  });

  it("refuses a sessions file other users can read", async () => {
    const file = join(admin, "bulwark", "sessions.json");
    assert.ok(readFileSync(file, "utf8").includes(c.url));
    chmodSync(file, 0o644);
    const refused = await as(admin, ["whoami"]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /readable by other users/);
    chmodSync(file, 0o600);
    const out = await as(admin, ["logout"]);
    assert.match(out.stdout, /^signed out of .* \(admin\)\n$/);
  });
});
