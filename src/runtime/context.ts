// The handler's ctx: the invocation's facts plus one binding per capability. Every binding that
// reaches outside the sandbox is exactly one {t:"call"} answered by the broker, which checks
// the grant; nothing here decides what is allowed (the runtime runs next to untrusted code).

import type { BrokerOps, InvocationContext, WireResponse } from "../sandbox/protocol.ts";
import type { RuntimeChannel } from "./channel.ts";
import type { LogFunction, Logger } from "./logging.ts";
import { InvalidArgument } from "./errors.ts";

export interface HandlerContext {
  requestId: string;
  functionName: string;
  version: string;
  identity: InvocationContext["identity"];
  caller: InvocationContext["caller"];
  getRemainingTimeInMillis(): number;
  log: { info: LogFunction; warn: LogFunction; error: LogFunction };
  secrets: { get(name: string): Promise<string> };
  kv(namespace: string): {
    get(key: string): Promise<string | null>;
    put(key: string, value: string): Promise<void>;
    delete(key: string): Promise<void>;
    list(prefix?: string): Promise<string[]>;
  };
  objects(bucket: string): {
    get(key: string): Promise<Uint8Array | null>;
    put(key: string, body: Uint8Array | string): Promise<void>;
    delete(key: string): Promise<void>;
    list(prefix?: string): Promise<string[]>;
  };
  fetch(input: string | URL | Request, init?: RequestInit): Promise<Response>;
  invoke(fn: string, payload: unknown): Promise<unknown>;
}

/** `id` is the invocation's id on the channel: each broker call says which invocation it is for. */
export function buildContext(id: string, context: InvocationContext, channel: RuntimeChannel, logger: Logger): HandlerContext {
  const call = <Op extends keyof BrokerOps>(op: Op, ...args: BrokerOps[Op]["args"]) =>
    channel.call(id, op, args) as Promise<BrokerOps[Op]["result"]>;
  return {
    requestId: context.requestId,
    functionName: context.functionName,
    version: context.version,
    identity: context.identity,
    caller: context.caller,
    getRemainingTimeInMillis: () => Math.max(0, context.deadline - Date.now()),
    log: { info: logger.at("info"), warn: logger.at("warn"), error: logger.at("error") },
    secrets: { get: async (name) => call("secrets.get", text(name, "secret name")) },
    kv(namespace) {
      const ns = text(namespace, "KV namespace");
      return {
        get: async (key) => call("kv.get", ns, text(key, "key")),
        put: async (key, value) => void (await call("kv.put", ns, text(key, "key"), text(value, "value"))),
        delete: async (key) => void (await call("kv.delete", ns, text(key, "key"))),
        list: async (prefix) => call("kv.list", ns, prefix === undefined ? null : text(prefix, "prefix")),
      };
    },
    objects(bucket) {
      const name = text(bucket, "bucket");
      return {
        get: async (key) => {
          const body = await call("objects.get", name, text(key, "key"));
          return body === null ? null : new Uint8Array(Buffer.from(body, "base64"));
        },
        put: async (key, body) => void (await call("objects.put", name, text(key, "key"), base64(body))),
        delete: async (key) => void (await call("objects.delete", name, text(key, "key"))),
        list: async (prefix) => call("objects.list", name, prefix === undefined ? null : text(prefix, "prefix")),
      };
    },
    fetch: async (input, init) => {
      // The Request constructor applies fetch's own rules (absolute URL, no body on GET) and
      // turns every body type into bytes.
      const request = new Request(input, init);
      const body = request.body === null ? null : Buffer.from(await request.arrayBuffer()).toString("base64");
      const reply = await call("fetch", { url: request.url, method: request.method, headers: [...request.headers], body });
      return toResponse(reply);
    },
    invoke: async (fn, payload) => call("invoke", text(fn, "function name"), payload),
  };
}

function text(value: unknown, what: string): string {
  if (typeof value !== "string") throw new InvalidArgument("BWK_INVALID_ARGUMENT", `${what} must be a string`);
  return value;
}

function base64(body: unknown): string {
  if (typeof body === "string") return Buffer.from(body, "utf8").toString("base64");
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString("base64");
  throw new InvalidArgument("BWK_INVALID_ARGUMENT", "object body must be a string or a Uint8Array");
}

/** Statuses whose responses carry no body (Fetch standard, "null body status"). */
const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304]);

function toResponse(reply: WireResponse): Response {
  const body = NULL_BODY_STATUS.has(reply.status) ? null : Buffer.from(reply.body, "base64");
  return new Response(body, { status: reply.status, statusText: reply.statusText, headers: reply.headers });
}
