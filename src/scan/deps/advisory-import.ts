// `bulwark advisories import FILE.zip|DIR`: a local copy of OSV advisories (the per-ecosystem zip
// OSV publishes, or a directory of OSV JSON) for the dependency audit. The archive is untrusted
// input: entry names are never used as paths (each advisory is stored as <its id>.json, so a
// "../x" entry cannot write outside the copy, CWE-22; yauzl refuses such names too), entries are
// capped in count, size and total size, counted as they are actually inflated (zip bombs,
// CWE-409), and anything that is not an OSV JSON document refuses the whole import. Everything
// is staged first and moved into place only when the whole source was read: a failed import
// leaves the previous copy as it was.
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { Readable } from "node:stream";
import yauzl from "yauzl";
import { BulwarkError } from "../../core/errors.ts";

export interface ImportLimits {
  maxEntries: number;
  maxEntryBytes: number;
  maxTotalBytes: number;
}

/** OSV's npm archive holds ~200k advisories (malicious-package reports included) of a few KiB each. */
export const IMPORT_LIMITS: ImportLimits = { maxEntries: 500_000, maxEntryBytes: 4 * 1024 * 1024, maxTotalBytes: 2 * 1024 ** 3 };

export interface ImportResult {
  /** npm advisories stored. */
  imported: number;
  /** Entries that are not JSON, or advisories for other ecosystems. */
  skipped: number;
  dir: string;
}

/** OSV ids: GHSA-xxxx-xxxx-xxxx, MAL-2024-1, PYSEC-…, CVE-…: letters, digits, '.', '_', '-'. */
const OSV_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export async function importAdvisories(source: string, targetDir: string, limits: ImportLimits = IMPORT_LIMITS): Promise<ImportResult> {
  let isDir: boolean;
  try {
    isDir = lstatSync(source).isDirectory();
  } catch {
    throw invalid(`${source} does not exist`);
  }
  mkdirSync(dirname(targetDir), { recursive: true, mode: 0o700 });
  const staging = mkdtempSync(join(dirname(targetDir), `.${basename(targetDir)}-import-`));
  try {
    const sink = new Staging(staging, source, limits);
    if (isDir) readDirectory(source, sink);
    else await readZip(source, sink);
    mkdirSync(targetDir, { recursive: true, mode: 0o700 });
    for (const name of readdirSync(staging)) renameSync(join(staging, name), join(targetDir, name));
    return { imported: sink.imported, skipped: sink.skipped, dir: targetDir };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

class Staging {
  imported = 0;
  skipped = 0;
  #entries = 0;
  #bytes = 0;
  readonly #dir: string;
  readonly #source: string;
  readonly #limits: ImportLimits;

  constructor(dir: string, source: string, limits: ImportLimits) {
    this.#dir = dir;
    this.#source = source;
    this.#limits = limits;
  }

  /** Counts an entry and its declared size before it is read. */
  admit(name: string, size: number): void {
    if (++this.#entries > this.#limits.maxEntries) throw invalid(`${this.#source} has more than ${this.#limits.maxEntries} entries`);
    if (size > this.#limits.maxEntryBytes) throw invalid(`${this.#source}: ${name} is larger than ${this.#limits.maxEntryBytes} bytes`);
    this.#bytes += size;
    if (this.#bytes > this.#limits.maxTotalBytes) throw invalid(`${this.#source} holds more than ${this.#limits.maxTotalBytes} bytes`);
  }

  add(name: string, text: string): void {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      throw invalid(`${this.#source}: ${name} is not valid JSON`);
    }
    const id = typeof doc === "object" && doc !== null && !Array.isArray(doc) ? (doc as { id?: unknown }).id : undefined;
    if (typeof id !== "string" || !OSV_ID.test(id)) throw invalid(`${this.#source}: ${name} is not an OSV advisory (no valid id)`);
    if (!affectsNpm(doc as object)) {
      this.skipped++;
      return;
    }
    writeFileSync(join(this.#dir, `${id}.json`), JSON.stringify(doc), { mode: 0o600 });
    this.imported++;
  }
}

function affectsNpm(doc: object): boolean {
  const affected = (doc as { affected?: unknown }).affected;
  return Array.isArray(affected) && affected.some((a) => (a as { package?: { ecosystem?: unknown } } | null)?.package?.ecosystem === "npm");
}

async function readZip(file: string, sink: Staging): Promise<void> {
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.openPromise(file, { lazyEntries: true, autoClose: true, validateEntrySizes: true, strictFileNames: true });
  } catch (e) {
    throw invalid(`${file} is not a zip archive (${(e as Error).message})`);
  }
  try {
    for await (const entry of zip.eachEntry()) {
      if (entry.fileName.endsWith("/")) continue;
      sink.admit(entry.fileName, entry.uncompressedSize);
      if (!entry.fileName.endsWith(".json")) {
        sink.skipped++;
        continue;
      }
      if (entry.isEncrypted()) throw invalid(`${file}: ${entry.fileName} is encrypted`);
      sink.add(entry.fileName, await readCapped(await zip.openReadStreamPromise(entry), entry.uncompressedSize));
    }
  } catch (e) {
    if (e instanceof BulwarkError) throw e;
    throw invalid(`${file} is not a safe zip archive (${(e as Error).message})`);
  } finally {
    zip.close();
  }
}

/** Reads at most `limit` inflated bytes: an entry that inflates past its declared size is refused. */
async function readCapped(stream: Readable, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      stream.destroy();
      throw invalid("an entry inflates past its declared size");
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** A directory of OSV JSON files, walked without following symlinks. */
function readDirectory(root: string, sink: Staging): void {
  const stack = [root];
  while (stack.length > 0) {
    const dir = stack.pop()!;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) stack.push(path);
      else if (!entry.isFile() || !entry.name.endsWith(".json")) sink.skipped++;
      else {
        const name = path.slice(root.length + 1);
        sink.admit(name, lstatSync(path).size);
        sink.add(name, readFileSync(path, "utf8"));
      }
    }
  }
}

function invalid(message: string): BulwarkError {
  return new BulwarkError("BWK_INVALID_ARGUMENT", message);
}
