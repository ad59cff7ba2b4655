// CI tokens: bearer tokens for pipelines, each scoped to one role and one stage and expiring.
// The token is in the create answer only; the platform keeps its SHA-256. A revoked token keeps
// why (who revoked it, or that its creator was disabled: accounts.ts) for `tokens ls`.
import { randomBytes } from "node:crypto";
import { BulwarkError } from "../../core/errors.ts";
import { generateToken, hashToken } from "../../core/people/tokens.ts";
import type { CiTokenRecord } from "../../store/users.ts";
import type { PeopleDeps } from "./deps.ts";
import { isStage } from "./principal.ts";

/** A pipeline deploys, rolls back or reads; it never administers people or policy. */
const CI_ROLES: readonly string[] = ["developer", "operator", "auditor"];
const MIN_LIFETIME_S = 60;
const MAX_LIFETIME_S = 366 * 24 * 3600;
const NAME = /^[A-Za-z0-9._-]{1,64}$/;

export interface CiTokenView {
  id: string;
  name: string;
  role: string;
  stage: string;
  createdBy: string;
  createdAt: string;
  expiresAt: string;
  status: "active" | "expired" | "revoked";
  revokedReason?: string;
}

export class CiTokenService {
  readonly #deps: PeopleDeps;

  constructor(deps: PeopleDeps) {
    this.#deps = deps;
  }

  create(body: unknown, createdBy: string): CiTokenView & { token: string } {
    const b = (body ?? {}) as Record<string, unknown>;
    if (typeof b.role !== "string" || !CI_ROLES.includes(b.role)) {
      throw new BulwarkError("BWK_INVALID_ARGUMENT", `a CI token's role is one of: ${CI_ROLES.join(", ")}`);
    }
    if (!isStage(b.stage)) throw new BulwarkError("BWK_INVALID_ARGUMENT", "a CI token's stage is dev or prod");
    const seconds = b.expiresInSeconds;
    if (typeof seconds !== "number" || !Number.isInteger(seconds) || seconds < MIN_LIFETIME_S || seconds > MAX_LIFETIME_S) {
      throw new BulwarkError("BWK_INVALID_ARGUMENT", "a CI token expires in 1 minute to 366 days (expiresInSeconds)");
    }
    if (b.name !== undefined && (typeof b.name !== "string" || !NAME.test(b.name))) {
      throw new BulwarkError("BWK_INVALID_ARGUMENT", "a CI token name is 1-64 of A-Z a-z 0-9 . _ -");
    }
    const now = this.#deps.now();
    const id = `ci_${randomBytes(6).toString("hex")}`;
    const token = generateToken("bwci");
    const record = {
      id,
      name: typeof b.name === "string" ? b.name : id,
      role: b.role,
      stage: b.stage,
      createdBy,
      createdAt: now,
      expiresAt: now + seconds * 1000,
    };
    this.#deps.ciTokens.create({ ...record, tokenHash: hashToken(token) });
    return { ...this.#view({ ...record, revokedAt: null, revokedReason: null }), token };
  }

  list(): CiTokenView[] {
    return this.#deps.ciTokens.list().map((t) => this.#view(t));
  }

  revoke(id: string, revokedBy: string): CiTokenView {
    if (!this.#deps.ciTokens.revoke(id, this.#deps.now(), `revoked by ${revokedBy}`)) {
      throw new BulwarkError("BWK_NOT_FOUND", `no active CI token with id "${id}"`);
    }
    const token = this.#deps.ciTokens.list().find((t) => t.id === id)!;
    return this.#view(token);
  }

  #view(t: CiTokenRecord): CiTokenView {
    const status = t.revokedAt !== null ? "revoked" : t.expiresAt <= this.#deps.now() ? "expired" : "active";
    return {
      id: t.id,
      name: t.name,
      role: t.role,
      stage: t.stage,
      createdBy: t.createdBy,
      createdAt: new Date(t.createdAt).toISOString(),
      expiresAt: new Date(t.expiresAt).toISOString(),
      status,
      ...(t.revokedReason === null ? {} : { revokedReason: t.revokedReason }),
    };
  }
}
