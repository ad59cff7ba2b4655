import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { createMasterKeyFile, loadMasterKey } from "../../../src/broker/crypto/master-key-file.ts";
import { MasterKey } from "../../../src/broker/crypto/master-key.ts";

const INVALID = { code: "BWK_INVALID_ARGUMENT" };
let dir = "";
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "bulwark-master-key-"));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function keyFile(name: string, content: string, mode: number): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content, { mode });
  await chmod(path, mode);
  return path;
}

describe("createMasterKeyFile", () => {
  test("writes 32 random bytes in base64 with mode 0600, and loads back as the same key", async () => {
    const path = join(dir, "created.key");
    const created = await createMasterKeyFile(path);
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    assert.match(await readFile(path, "utf8"), /^[A-Za-z0-9+/]{43}=\n$/);
    assert.equal((await loadMasterKey({ file: path })).id, created.id);
  });

  test("never overwrites an existing file, and leaves no temporary file behind", async () => {
    const path = await keyFile("existing.key", "keep me\n", 0o600);
    await assert.rejects(createMasterKeyFile(path), INVALID);
    assert.equal(await readFile(path, "utf8"), "keep me\n");
    assert.deepEqual((await readdir(dir)).filter((name) => name.endsWith(".tmp")), []);
  });

  test("two keys are different", async () => {
    const a = await createMasterKeyFile(join(dir, "a.key"));
    const b = await createMasterKeyFile(join(dir, "b.key"));
    assert.notEqual(a.id, b.id);
  });

  test("a missing directory is a clear error", async () => {
    await assert.rejects(createMasterKeyFile(join(dir, "no-such-dir", "m.key")), INVALID);
  });
});

describe("loadMasterKey from a file", () => {
  const bytes = randomBytes(32);
  const base64 = bytes.toString("base64");

  for (const mode of [0o600, 0o400]) {
    test(`accepts mode ${mode.toString(8)}`, async () => {
      const path = await keyFile(`ok-${mode.toString(8)}.key`, `${base64}\n`, mode);
      assert.equal((await loadMasterKey({ file: path })).id, new MasterKey(bytes).id);
    });
  }

  for (const mode of [0o644, 0o640, 0o604, 0o660, 0o606, 0o610, 0o601, 0o777]) {
    test(`refuses mode ${mode.toString(8)}, naming the file, its mode and chmod 600`, async () => {
      const path = await keyFile(`open-${mode.toString(8)}.key`, `${base64}\n`, mode);
      await assert.rejects(loadMasterKey({ file: path }), (e: unknown) => {
        const err = e as { code: string; message: string; extra: Record<string, unknown> };
        assert.equal(err.code, "BWK_INVALID_ARGUMENT");
        assert.deepEqual(err.extra, { file: path, mode: `0${mode.toString(8)}` });
        assert.match(err.message, /chmod 600/);
        assert.ok(err.message.includes(path));
        assert.ok(!err.message.includes(base64));
        return true;
      });
    });
  }

  test("follows a symlink and checks the file it points to", async () => {
    const target = await keyFile("target.key", base64, 0o600);
    const link = join(dir, "link.key");
    await symlink(target, link);
    assert.equal((await loadMasterKey({ file: link })).id, new MasterKey(bytes).id);
    await chmod(target, 0o644);
    await assert.rejects(loadMasterKey({ file: link }), INVALID);
  });

  const malformed: Array<[string, string]> = [
    ["an empty file", ""],
    ["31 bytes", randomBytes(31).toString("base64")],
    ["33 bytes", randomBytes(33).toString("base64")],
    ["hex instead of base64", randomBytes(32).toString("hex")],
    ["base64url", `${randomBytes(32).toString("base64url")}=`.replace(/^./, "-")],
    ["two keys", `${base64}\n${base64}\n`],
    ["a key with junk inside", `${base64.slice(0, 20)}!${base64.slice(21)}`],
    ["a key without padding", base64.slice(0, 43)],
  ];
  for (const [title, content] of malformed) {
    test(`refuses ${title}, without echoing the content`, async () => {
      const path = await keyFile(`bad-${title.replaceAll(" ", "-")}.key`, content, 0o600);
      await assert.rejects(loadMasterKey({ file: path }), (e: unknown) => {
        const err = e as { code: string; message: string };
        assert.equal(err.code, "BWK_INVALID_ARGUMENT");
        if (content.length > 0) assert.ok(!err.message.includes(content.trim().slice(0, 16)));
        return true;
      });
    });
  }

  test("refuses a large file", async () => {
    await assert.rejects(loadMasterKey({ file: await keyFile("big.key", "A".repeat(4096), 0o600) }), INVALID);
  });
  test("refuses a missing file", async () => {
    await assert.rejects(loadMasterKey({ file: join(dir, "missing.key") }), INVALID);
  });
  test("refuses a directory", async () => {
    const path = join(dir, "a-directory");
    await mkdir(path, { mode: 0o700 });
    await assert.rejects(loadMasterKey({ file: path }), INVALID);
  });
});

describe("loadMasterKey from BULWARK_MASTER_KEY", () => {
  const bytes = randomBytes(32);

  test("accepts 32 bytes of base64, with surrounding whitespace", async () => {
    assert.equal((await loadMasterKey({ env: ` ${bytes.toString("base64")}\n` })).id, new MasterKey(bytes).id);
  });
  for (const [title, value] of [["empty", ""], ["short", randomBytes(16).toString("base64")], ["a passphrase", "correct horse battery staple"]]) {
    test(`refuses ${title}, without echoing it`, async () => {
      await assert.rejects(loadMasterKey({ env: value as string }), (e: unknown) => {
        const err = e as { code: string; message: string };
        assert.equal(err.code, "BWK_INVALID_ARGUMENT");
        if (value !== "") assert.ok(!err.message.includes(value as string));
        return true;
      });
    });
  }
  test("refuses both a file and the variable", async () => {
    await assert.rejects(loadMasterKey({ env: bytes.toString("base64"), file: join(dir, "created.key") }), INVALID);
  });
  test("refuses neither", async () => {
    await assert.rejects(loadMasterKey({}), INVALID);
  });
});
