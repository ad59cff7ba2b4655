import { mkdtempSync } from "node:fs";
import { DatabaseSync } from "node:sqlite";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteQuarantineStore } from "../../../src/store/sqlite/quarantine.ts";
import { quarantineStoreContract } from "../quarantine.contract.ts";

const dir = mkdtempSync(join(tmpdir(), "bulwark-quarantine-"));
quarantineStoreContract("SqliteQuarantineStore", (name) => new SqliteQuarantineStore(new DatabaseSync(join(dir, `${name}.db`))));
