// Secrets as the platform serves them: versioned, encrypted with a fresh data key per version,
// the AAD binding app, name and version (crypto/context.ts), so a row copied onto another name or
// version fails to open. Values are UTF-8 text; they are handed out only by the broker (to a
// granted function) and by `secrets get` (admin, audited by the control API).
import { BulwarkError } from "../core/errors.ts";
import { SECRET_NAME_PATTERN } from "../core/policy/index.ts";
import type { SecretStore, SecretSummary } from "../store/secrets.ts";
import { secretContext } from "./crypto/context.ts";
import type { BrokerLimits } from "./limits.ts";
import { requireApp, type Sealer } from "./sealing.ts";

const SECRET_NAME = new RegExp(SECRET_NAME_PATTERN, "u");

export class SecretService {
  readonly #store: SecretStore;
  readonly #sealer: Sealer;
  readonly #app: () => string | undefined;
  readonly #limits: BrokerLimits;

  constructor(store: SecretStore, sealer: Sealer, app: () => string | undefined, limits: BrokerLimits) {
    this.#store = store;
    this.#sealer = sealer;
    this.#app = app;
    this.#limits = limits;
  }

  /** Creates a secret (version 1, or the next after an rm); refuses one that exists. */
  set(name: unknown, value: unknown): { name: string; version: number } {
    return this.#add(name, value, "create");
  }

  /** Adds a new version of an existing secret; functions read the newest. */
  rotate(name: unknown, value: unknown): { name: string; version: number } {
    return this.#add(name, value, "rotate");
  }

  read(name: string): { value: string; version: number } {
    checkName(name);
    const app = requireApp(this.#app());
    const row = this.#store.latest(name);
    if (row === undefined) throw new BulwarkError("BWK_NOT_FOUND", `no secret named ${name}`);
    const plaintext = this.#sealer.open(row, secretContext(app, name, row.version), `secret ${name} version ${row.version}`);
    return { value: plaintext.toString("utf8"), version: row.version };
  }

  remove(name: unknown): { name: string } {
    checkName(name);
    if (!this.#store.remove(name)) throw new BulwarkError("BWK_NOT_FOUND", `no secret named ${name}`);
    return { name };
  }

  list(): SecretSummary[] {
    return this.#store.list();
  }

  #add(name: unknown, value: unknown, mode: "create" | "rotate"): { name: string; version: number } {
    checkName(name);
    const bytes = checkValue(value, this.#limits.secretMaxBytes);
    const app = requireApp(this.#app());
    const version = this.#store.add(name, mode, (v) => this.#sealer.seal(bytes, secretContext(app, name, v)));
    bytes.fill(0);
    this.#store.prune(name, this.#limits.secretVersionsKept);
    return { name, version };
  }
}

function checkName(name: unknown): asserts name is string {
  if (typeof name !== "string" || !SECRET_NAME.test(name)) {
    throw new BulwarkError("BWK_INVALID_ARGUMENT", `a secret name is upper-case letters, digits and _ starting with a letter (like PSP_API_KEY)`);
  }
}

function checkValue(value: unknown, maxBytes: number): Buffer {
  if (typeof value !== "string") throw new BulwarkError("BWK_INVALID_ARGUMENT", "a secret value must be text");
  if (value.length === 0) throw new BulwarkError("BWK_INVALID_ARGUMENT", "the secret value is empty");
  // A lone surrogate has no UTF-8 form: it would be stored as U+FFFD, a different value.
  if (!value.isWellFormed()) throw new BulwarkError("BWK_INVALID_ARGUMENT", "the secret value is not valid UTF-8 text");
  const bytes = Buffer.from(value, "utf8");
  if (bytes.length > maxBytes) throw new BulwarkError("BWK_INVALID_ARGUMENT", `the secret value is ${bytes.length} bytes; the limit is ${maxBytes}`);
  return bytes;
}
