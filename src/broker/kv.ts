// KV as the broker serves it. `namespace` is the resource policy evaluation returned, so under
// tenant isolation it already is `tenants/<tenant>/<name>`: this file never builds a partition
// from anything the function sent. Keys are checked by core/keys.ts; each value is sealed under
// its own data key with the AAD binding app, namespace and key. A tenant's partition also counts
// toward its namespace as a whole (limits.ts sharedQuotaOf).
import { BulwarkError } from "../core/errors.ts";
import { validateKvKey, validateKvPrefix } from "../core/keys.ts";
import { partitionedName } from "../core/policy/index.ts";
import type { KvStore } from "../store/kv.ts";
import { kvContext } from "./crypto/context.ts";
import { type BrokerLimits, sharedQuotaOf } from "./limits.ts";
import { requireApp, type Sealer } from "./sealing.ts";

export class KvService {
  readonly #store: KvStore;
  readonly #sealer: Sealer;
  readonly #app: () => string | undefined;
  readonly #limits: BrokerLimits;

  constructor(store: KvStore, sealer: Sealer, app: () => string | undefined, limits: BrokerLimits) {
    this.#store = store;
    this.#sealer = sealer;
    this.#app = app;
    this.#limits = limits;
  }

  get(namespace: string, key: unknown): string | null {
    validateKvKey(key);
    const sealed = this.#store.get(namespace, key);
    if (sealed === undefined) return null;
    const app = requireApp(this.#app());
    return this.#sealer.open(sealed, kvContext(app, namespace, key), "the KV value").toString("utf8");
  }

  put(namespace: string, key: unknown, value: unknown): null {
    validateKvKey(key);
    if (typeof value !== "string" || !value.isWellFormed()) throw new BulwarkError("BWK_INVALID_ARGUMENT", "a KV value must be valid UTF-8 text");
    const bytes = Buffer.from(value, "utf8");
    if (bytes.length > this.#limits.kvValueMaxBytes) {
      throw new BulwarkError("BWK_LIMIT_EXCEEDED", `the KV value is ${bytes.length} bytes; the limit is ${this.#limits.kvValueMaxBytes}`);
    }
    const app = requireApp(this.#app());
    const quota = this.#limits.kvQuota;
    this.#store.put(namespace, key, this.#sealer.seal(bytes, kvContext(app, namespace, key)), bytes.length, quota, sharedQuotaOf(namespace, quota, this.#limits));
    return null;
  }

  delete(namespace: string, key: unknown): null {
    validateKvKey(key);
    this.#store.delete(namespace, key, partitionedName(namespace));
    return null;
  }

  list(namespace: string, prefix: unknown): string[] {
    const p = prefix ?? "";
    validateKvPrefix(p);
    return this.#store.list(namespace, p, this.#limits.listMax);
  }
}
