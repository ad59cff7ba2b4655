// Content-addressed bundle files: a bundle is named by the SHA-256 of its bytes, written once,
// read-only afterwards. Versions point at hashes, so rollback never rebuilds anything.
import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export class BundleStore {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  static hash(code: string | Uint8Array): string {
    return createHash("sha256").update(code).digest("hex");
  }

  /** Stores the bundle if new; returns its hash. */
  put(code: string): string {
    const hash = BundleStore.hash(code);
    const file = this.path(hash);
    if (!existsSync(file)) {
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, code, { mode: 0o444 });
      chmodSync(tmp, 0o444);
      renameSync(tmp, file);
    }
    return hash;
  }

  path(hash: string): string {
    if (!/^[0-9a-f]{64}$/.test(hash)) throw new Error(`not a bundle hash: ${hash}`);
    return join(this.dir, `${hash}.mjs`);
  }
}
