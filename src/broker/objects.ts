// Objects as the broker serves them: like kv.ts, with object keys checked as paths (core/keys.ts
// refuses `../`, absolute, backslash and encoded traversal) although the store never turns a key
// into a path anyway (store/blob-files.ts names files at random). Bodies cross the channel in
// base64, checked strictly: a body that does not decode exactly is refused, not guessed at.
import { BulwarkError } from "../core/errors.ts";
import { validateObjectKey, validateObjectPrefix } from "../core/keys.ts";
import { partitionedName } from "../core/policy/index.ts";
import type { ObjectStore } from "../store/objects.ts";
import { objectContext } from "./crypto/context.ts";
import { type BrokerLimits, sharedQuotaOf } from "./limits.ts";
import { requireApp, type Sealer } from "./sealing.ts";

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export class ObjectService {
  readonly #store: ObjectStore;
  readonly #sealer: Sealer;
  readonly #app: () => string | undefined;
  readonly #limits: BrokerLimits;

  constructor(store: ObjectStore, sealer: Sealer, app: () => string | undefined, limits: BrokerLimits) {
    this.#store = store;
    this.#sealer = sealer;
    this.#app = app;
    this.#limits = limits;
  }

  /** The object's bytes in base64, or null. */
  get(bucket: string, key: unknown): string | null {
    validateObjectKey(key);
    const sealed = this.#store.get(bucket, key);
    if (sealed === undefined) return null;
    const app = requireApp(this.#app());
    return this.#sealer.open(sealed, objectContext(app, bucket, key), "the object").toString("base64");
  }

  put(bucket: string, key: unknown, bodyBase64: unknown): null {
    validateObjectKey(key);
    const max = this.#limits.objectMaxBytes;
    if (typeof bodyBase64 !== "string" || bodyBase64.length > Math.ceil(max / 3) * 4 + 4) {
      throw new BulwarkError("BWK_LIMIT_EXCEEDED", `an object is at most ${max} bytes`);
    }
    if (!BASE64.test(bodyBase64)) throw new BulwarkError("BWK_INVALID_ARGUMENT", "the object body is not valid base64");
    const bytes = Buffer.from(bodyBase64, "base64");
    if (bytes.length > max) throw new BulwarkError("BWK_LIMIT_EXCEEDED", `the object is ${bytes.length} bytes; the limit is ${max}`);
    const app = requireApp(this.#app());
    const quota = this.#limits.objectQuota;
    this.#store.put(bucket, key, this.#sealer.seal(bytes, objectContext(app, bucket, key)), bytes.length, quota, sharedQuotaOf(bucket, quota, this.#limits));
    return null;
  }

  delete(bucket: string, key: unknown): null {
    validateObjectKey(key);
    this.#store.delete(bucket, key, partitionedName(bucket));
    return null;
  }

  list(bucket: string, prefix: unknown): string[] {
    const p = prefix ?? "";
    validateObjectPrefix(p);
    return this.#store.list(bucket, p, this.#limits.listMax);
  }
}
