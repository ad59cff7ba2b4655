// API key administration: create (the key is returned once and only its hash is kept), list
// (never the key) and revoke (the edge reads the store on every request, so it takes effect on
// the next one). The control API audits each call with the key's name as the target.
import {
  checkKeyName,
  KEY_PREFIX_LENGTH,
  parseFunctionNames,
  parseKeyLifetime,
  parseRoles,
  parseRouteKeys,
  type KeyScope,
} from "../core/auth/api-keys.ts";
import { BulwarkError } from "../core/errors.ts";
import { generateToken, hashToken } from "../core/people/tokens.ts";
import type { ApiKeyRecord, ApiKeyStore } from "../store/api-keys.ts";
import type { FunctionVersion } from "../store/state.ts";

export interface CreateKeyRequest {
  routes?: unknown;
  functions?: unknown;
  roles?: unknown;
  /** Lifetime, like "30d"; absent: the key does not expire. */
  expires?: unknown;
}

export interface CreatedKey extends ApiKeyRecord {
  /** The key itself: shown once, never stored. */
  key: string;
}

const FIELDS = new Set(["routes", "functions", "roles", "expires"]);

export class ApiKeyAdmin {
  readonly #store: ApiKeyStore;
  readonly #serving: () => FunctionVersion[];

  constructor(store: ApiKeyStore, serving: () => FunctionVersion[]) {
    this.#store = store;
    this.#serving = serving;
  }

  create(name: string, body: unknown, now = Date.now()): CreatedKey {
    checkKeyName(name);
    const request = checkBody(body);
    const scope: KeyScope = {
      routes: request.routes === undefined ? [] : parseRouteKeys(request.routes),
      functions: request.functions === undefined ? [] : parseFunctionNames(request.functions),
    };
    this.#checkScopeExists(scope);
    const key = generateToken("bwk");
    const record: ApiKeyRecord = {
      name,
      prefix: key.slice(0, KEY_PREFIX_LENGTH),
      scope,
      roles: request.roles === undefined ? [] : parseRoles(request.roles),
      createdAt: new Date(now).toISOString(),
      expiresAt: request.expires === undefined ? null : new Date(now + parseKeyLifetime(request.expires)).toISOString(),
      revokedAt: null,
    };
    this.#store.insert(record, hashToken(key));
    return { ...record, key };
  }

  list(): ApiKeyRecord[] {
    return this.#store.list();
  }

  revoke(name: string, now = Date.now()): ApiKeyRecord {
    checkKeyName(name);
    const record = this.#store.revoke(name, new Date(now).toISOString());
    if (record === undefined) throw new BulwarkError("BWK_NOT_FOUND", `no API key named "${name}"`);
    return record;
  }

  /** A key for a route or function that is not deployed is almost always a typo: refuse it. */
  #checkScopeExists(scope: KeyScope): void {
    const serving = this.#serving();
    const names = new Set(serving.map((v) => v.function));
    const keyRoutes = new Set(
      serving.flatMap((v) => v.spec.triggers.filter((t) => t.auth === "apiKey").map((t) => `${t.method} ${t.path}`)),
    );
    for (const route of scope.routes) {
      if (!keyRoutes.has(route)) throw new BulwarkError("BWK_INVALID_ARGUMENT", `no deployed auth: apiKey route is ${route}`);
    }
    for (const fn of scope.functions) {
      if (!names.has(fn)) throw new BulwarkError("BWK_INVALID_ARGUMENT", `no function named "${fn}" is deployed`);
    }
  }
}

function checkBody(body: unknown): CreateKeyRequest {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new BulwarkError("BWK_BAD_REQUEST", "the request body must be a JSON object");
  }
  const unknown = Object.keys(body).find((k) => !FIELDS.has(k));
  if (unknown !== undefined) throw new BulwarkError("BWK_BAD_REQUEST", `unknown field "${unknown.slice(0, 40)}"`);
  return body as CreateKeyRequest;
}
