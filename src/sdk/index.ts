// What function authors import: the handler signature, the ctx bindings and the event shapes.
// Types only. Everything on ctx that reaches outside the sandbox is a call to the platform's broker
// and works only where the function's manifest grants it.

export interface Identity {
  subject: string;
  roles: string[];
  via: "apiKey" | "jwt";
  keyName?: string;
  tenant?: string;
}

export interface KvNamespace {
  get(key: string): Promise<string | null>;
  put(key: string, value: string): Promise<void>;
  delete(key: string): Promise<void>;
  list(prefix?: string): Promise<string[]>;
}

export interface ObjectBucket {
  get(key: string): Promise<Uint8Array | null>;
  put(key: string, body: Uint8Array | string): Promise<void>;
  delete(key: string): Promise<void>;
  list(prefix?: string): Promise<string[]>;
}

export interface Context {
  requestId: string;
  functionName: string;
  version: string;
  identity?: Identity;
  /** Set when another function invoked this one. */
  caller?: { function: string };
  secrets: { get(name: string): Promise<string> };
  kv(namespace: string): KvNamespace;
  objects(bucket: string): ObjectBucket;
  /** Egress through the broker, to granted hosts only; cut off when the invocation's time is up. */
  fetch(url: string, init?: RequestInit): Promise<Response>;
  /**
   * Runs a granted function and returns its result. The callee ends by this invocation's deadline;
   * calls nest at most 8 deep (A→B→A→… included), beyond which this throws LimitExceeded, as it
   * does (code BWK_RATE_LIMITED) while an operator's rate override holds the callee back.
   */
  invoke(fn: string, payload: unknown): Promise<unknown>;
  log: { info(...a: unknown[]): void; warn(...a: unknown[]): void; error(...a: unknown[]): void };
  /** Lambda compatibility: milliseconds left before the platform stops the invocation. */
  getRemainingTimeInMillis(): number;
}

/** API Gateway HTTP API payload format 2.0, as Bulwark builds it for http triggers. */
export interface HttpEvent {
  version: "2.0";
  routeKey: string;
  rawPath: string;
  rawQueryString: string;
  cookies?: string[];
  headers: Record<string, string>;
  queryStringParameters?: Record<string, string>;
  pathParameters?: Record<string, string>;
  requestContext: {
    accountId: string;
    apiId: string;
    domainName: string;
    domainPrefix: string;
    http: { method: string; path: string; protocol: string; sourceIp: string; userAgent: string };
    requestId: string;
    routeKey: string;
    stage: string;
    time: string;
    timeEpoch: number;
  };
  body?: string;
  isBase64Encoded: boolean;
}

/** A structured HTTP result; any other JSON value becomes a 200 JSON response. */
export interface HttpResult {
  statusCode: number;
  headers?: Record<string, string | number | boolean>;
  cookies?: string[];
  body?: string;
  isBase64Encoded?: boolean;
}

export type Handler<E = HttpEvent, R = HttpResult | unknown> = (event: E, ctx: Context) => R | Promise<R>;
