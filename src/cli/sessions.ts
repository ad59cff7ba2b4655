// Where `bulwark login` keeps session tokens: one JSON file in the user's config dir
// ($XDG_CONFIG_HOME/bulwark or ~/.config/bulwark), mode 0600 in a 0700 dir, keyed by control URL.
// A session token is a bearer credential, so a file others can read is refused, like ssh does.
import { chmodSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { BulwarkError } from "../core/errors.ts";

export interface StoredSession {
  token: string;
  user: string;
  expiresAt: string;
}

const FILE = "sessions.json";

export class SessionFile {
  readonly #dir: string;

  constructor(configDir: string) {
    this.#dir = configDir;
  }

  get path(): string {
    return join(this.#dir, FILE);
  }

  get(url: string): StoredSession | undefined {
    return this.#read()[url];
  }

  set(url: string, session: StoredSession): void {
    this.#write({ ...this.#read(), [url]: session });
  }

  delete(url: string): boolean {
    const all = this.#read();
    if (!(url in all)) return false;
    delete all[url];
    this.#write(all);
    return true;
  }

  #read(): Record<string, StoredSession> {
    let mode: number;
    try {
      mode = statSync(this.path).mode;
    } catch {
      return {};
    }
    if ((mode & 0o077) !== 0) {
      throw new BulwarkError("BWK_INVALID_ARGUMENT", `${this.path} is readable by other users: run \`chmod 600 ${this.path}\` (and sign in again)`);
    }
    try {
      const parsed = JSON.parse(readFileSync(this.path, "utf8")) as unknown;
      if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return {};
      const sessions: Record<string, StoredSession> = Object.create(null) as Record<string, StoredSession>;
      for (const [url, s] of Object.entries(parsed as Record<string, Partial<StoredSession>>)) {
        if (typeof s?.token === "string" && typeof s.user === "string" && typeof s.expiresAt === "string") {
          sessions[url] = { token: s.token, user: s.user, expiresAt: s.expiresAt };
        }
      }
      return sessions;
    } catch {
      throw new BulwarkError("BWK_INVALID_ARGUMENT", `${this.path} is not valid JSON: remove it and sign in again`);
    }
  }

  /** Written to a private temporary file and renamed over, so a crash never leaves half a file. */
  #write(sessions: Record<string, StoredSession>): void {
    mkdirSync(this.#dir, { recursive: true, mode: 0o700 });
    chmodSync(this.#dir, 0o700);
    const temporary = join(this.#dir, `.${FILE}.${randomBytes(6).toString("hex")}`);
    writeFileSync(temporary, `${JSON.stringify(sessions, null, 2)}\n`, { mode: 0o600, flag: "wx" });
    renameSync(temporary, this.path);
  }
}
