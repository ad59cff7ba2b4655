import { DatabaseSync } from "node:sqlite";
import { SqliteApiKeyStore } from "../../../src/store/sqlite/api-keys.ts";
import { apiKeyStoreContract } from "../api-keys.contract.ts";

apiKeyStoreContract("SqliteApiKeyStore", () => new SqliteApiKeyStore(new DatabaseSync(":memory:")));
