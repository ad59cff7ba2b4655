// The `permissions:` block of a function, and the questions the broker asks about it.

export type Right = "read" | "write";
export const RIGHTS: readonly Right[] = ["read", "write"];

/** A function's grants, as written in its manifest (see schema.ts). Absent means none. */
export interface Permissions {
  /** Secret names the function may read. */
  readonly secrets?: readonly string[];
  /** KV namespace → rights. */
  readonly kv?: Readonly<Record<string, readonly Right[]>>;
  /** Object bucket → rights. */
  readonly objects?: Readonly<Record<string, readonly Right[]>>;
  /** Functions of the same app the function may invoke. */
  readonly invoke?: readonly string[];
  /** `host:port` targets, or `*.domain:port`, the function may reach through the broker. */
  readonly egress?: readonly string[];
}

/** List sections grant names; map sections grant rights per namespace or bucket. */
export type ListSection = "secrets" | "invoke" | "egress";
export type MapSection = "kv" | "objects";
export type ActionSpec = { section: ListSection } | { section: MapSection; right: Right };

/** Every capability call a function can make through the broker. */
export const ACTIONS = {
  "secrets.get": { section: "secrets" },
  "kv.get": { section: "kv", right: "read" },
  "kv.list": { section: "kv", right: "read" },
  "kv.put": { section: "kv", right: "write" },
  "kv.delete": { section: "kv", right: "write" },
  "objects.get": { section: "objects", right: "read" },
  "objects.list": { section: "objects", right: "read" },
  "objects.put": { section: "objects", right: "write" },
  "objects.delete": { section: "objects", right: "write" },
  invoke: { section: "invoke" },
  egress: { section: "egress" },
} as const satisfies Record<string, ActionSpec>;

export type Action = keyof typeof ACTIONS;

/** Own keys only: an action named `__proto__` or `toString` is unknown, not inherited. */
export function isAction(value: unknown): value is Action {
  return typeof value === "string" && Object.hasOwn(ACTIONS, value);
}

/**
 * One capability call. `resource` is the secret name, the KV namespace, the bucket, the function,
 * or the egress `host:port` (lower-case host, IPv6 in brackets): never a key inside a namespace;
 * keys are checked by core/keys.ts. `tenant` is the invocation's verified tenant, set by the
 * platform, never by function code.
 */
export interface PolicyRequest {
  action: Action;
  resource: string;
  tenant?: string;
}

export type DenyReason = "not-granted" | "unknown-action" | "invalid-resource" | "tenant-required" | "tenant-mismatch";

export type Decision =
  | {
      allowed: true;
      /**
       * The key to use for the resource. The resource itself, or under tenant isolation
       * `tenants/<tenant>/<namespace>` for KV namespaces and buckets.
       */
      resource: string;
    }
  | {
      allowed: false;
      reason: "not-granted";
      /** The grant that would allow the call, as manifest YAML: `kv: { ledger: [write] }`. */
      missing: string;
      /** One line for the function's author and the security event; untrusted input escaped. */
      message: string;
    }
  | {
      allowed: false;
      /** No grant could allow this call. */
      reason: Exclude<DenyReason, "not-granted">;
      message: string;
    };

/** A recorded capability call, as `policy suggest` and `lintPermissions` read them. */
export interface RecordedCall {
  action: string;
  resource: string;
}
