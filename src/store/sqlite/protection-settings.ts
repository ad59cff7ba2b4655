// SQLite adapter of the protection settings port: one JSON value in the state database's settings.
import type { DatabaseSync, StatementSync } from "node:sqlite";
import type { ProtectionSettings, ProtectionSettingsStore } from "../protection-settings.ts";

const KEY = "edge.protection";

export class SqliteProtectionSettingsStore implements ProtectionSettingsStore {
  readonly #get: StatementSync;
  readonly #put: StatementSync;

  constructor(db: DatabaseSync) {
    // The same table the state adapter keeps its settings in.
    db.exec("CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
    this.#get = db.prepare("SELECT value FROM settings WHERE key = ?");
    this.#put = db.prepare("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)");
  }

  load(): ProtectionSettings {
    const row = this.#get.get(KEY) as { value: string } | undefined;
    return row === undefined ? {} : (JSON.parse(row.value) as ProtectionSettings);
  }

  save(settings: ProtectionSettings): void {
    this.#put.run(KEY, JSON.stringify(settings));
  }
}
