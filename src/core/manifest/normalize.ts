// Schema-valid raw manifest → the normalized Manifest the platform trusts: defaults filled in,
// sizes and durations in numbers, triggers tagged by kind. Also the checks JSON Schema cannot
// say well: unit ranges, handler paths, route templates and routes declared twice.

import { parsePathTemplate, templateShape } from "./path.ts";
import { fieldPath, type Fail, type Path } from "./problem.ts";
import { normalizeJwt, routeAuth } from "./auth.ts";
import { appLimits, functionInput, networkLists, routeProtection } from "./protection.ts";
import { scanSettings, suppressions } from "./scan.ts";
import type { RawFunction, RawHttpTrigger, RawManifest } from "./schema.ts";
import type { Permissions } from "../policy/types.ts";
import { DEFAULTS, LIMITS, type FunctionSpec, type HttpTrigger, type JwtConfig, type Manifest, type TenantIsolation } from "./types.ts";
import { formatDuration, formatSize, parseDuration, parseSize } from "./units.ts";

const HANDLER_EXTENSIONS = [".ts", ".mts", ".cts", ".js", ".mjs", ".cjs"];

interface DeclaredRoute {
  method: string;
  path: string;
  at: Path;
}

export function normalizeManifest(raw: RawManifest, fail: Fail): Manifest {
  // Null prototype: functions["constructor"] or ["__proto__"] is a function or nothing (CWE-1321).
  const functions = Object.create(null) as Record<string, FunctionSpec>;
  const routes = new Map<string, DeclaredRoute[]>();
  const jwt = raw.jwt === undefined ? undefined : normalizeJwt(raw.jwt, fail);
  for (const [name, fn] of Object.entries(raw.functions)) {
    functions[name] = normalizeFunction(name, fn, fail, routes, jwt);
  }
  const manifest: Manifest = { app: raw.app, functions };
  if (raw.limits !== undefined) manifest.limits = appLimits(raw.limits, fail);
  if (raw.network !== undefined) manifest.network = networkLists(raw.network, fail);
  if (raw.scan !== undefined) manifest.scan = scanSettings(raw.scan);
  if (raw.suppressions !== undefined && raw.suppressions.length > 0) manifest.suppressions = suppressions(raw.suppressions, fail);
  return manifest;
}

function normalizeFunction(name: string, fn: RawFunction, fail: Fail, routes: Map<string, DeclaredRoute[]>, jwt: JwtConfig | undefined): FunctionSpec {
  const at = ["functions", name];
  checkHandlerPath(fn.handler, [...at, "handler"], fail);
  const input = functionInput(fn.input, [...at, "input"], fail);
  const triggers = (fn.triggers ?? []).map((trigger, i) => {
    // The schema admits exactly one kind per trigger; http is the only kind so far.
    const http = trigger.http as RawHttpTrigger;
    const where = [...at, "triggers", i, "http"];
    return { ...normalizeHttp(http, where, fail, routes, jwt), ...routeProtection(http, http.method, where, fail, input) };
  });
  const spec: FunctionSpec = {
    name,
    handler: fn.handler,
    export: fn.export ?? DEFAULTS.export,
    memoryBytes: fn.memory === undefined ? DEFAULTS.memoryBytes : memoryBytes(fn.memory, [...at, "memory"], fail),
    timeoutMs: fn.timeout === undefined ? DEFAULTS.timeoutMs : timeoutMs(fn.timeout, [...at, "timeout"], fail),
    concurrency: fn.concurrency ?? DEFAULTS.concurrency,
    triggers,
    sandbox: { ...DEFAULTS.sandbox, ...fn.sandbox },
  };
  // A copy: the spec is stored and compared as JSON, and must not alias the raw document.
  if (fn.permissions !== undefined) spec.permissions = JSON.parse(JSON.stringify(fn.permissions)) as Permissions;
  if (jwt !== undefined && triggers.some((t) => t.auth === "jwt")) spec.jwt = jwt;
  const isolation = tenantIsolation(fn, at, triggers, fail);
  if (isolation !== undefined) spec.isolation = isolation;
  if (fn.redact !== undefined && fn.redact.length > 0) spec.redact = [...fn.redact];
  return spec;
}

/**
 * `isolation: tenant` with `tenantFrom`. The tenant must come from something the edge verified:
 * a claim needs every route to verify a JWT; a header needs every route to authenticate its
 * caller, who is then trusted to name the tenant. On an `auth: none` route anyone could name any
 * tenant and read its partition (CWE-639), so that is a manifest error, not a runtime refusal.
 */
function tenantIsolation(fn: RawFunction, at: Path, triggers: HttpTrigger[], fail: Fail): TenantIsolation | undefined {
  if (fn.isolation !== "tenant") {
    if (fn.tenantFrom !== undefined) fail([...at, "tenantFrom"], "only applies with isolation: tenant");
    return undefined;
  }
  if (fn.tenantFrom === undefined) return fail([...at, "tenantFrom"], "is required with isolation: tenant (jwt.claim:<name> or header:<name>)");
  const colon = fn.tenantFrom.indexOf(":");
  const from = fn.tenantFrom.slice(0, colon) as TenantIsolation["from"];
  const name = fn.tenantFrom.slice(colon + 1);
  triggers.forEach((trigger, i) => {
    const where = [...at, "triggers", i, "http", "auth"];
    if (from === "jwt.claim" && trigger.auth !== "jwt") {
      fail(where, `must be jwt: tenantFrom ${fn.tenantFrom} reads a claim of the request's verified JWT`);
    }
    if (from === "header" && trigger.auth === "none") {
      fail(where, `must authenticate the caller: tenantFrom ${fn.tenantFrom} trusts the caller to name its tenant`);
    }
  });
  return { mode: "tenant", from, name: from === "header" ? name.toLowerCase() : name };
}

function memoryBytes(value: string | number, at: Path, fail: Fail): number {
  const bytes = typeof value === "number" ? value : unit(() => parseSize(value), at, fail);
  if (bytes < LIMITS.minMemoryBytes || bytes > LIMITS.maxMemoryBytes) {
    const range = `${formatSize(LIMITS.minMemoryBytes)} and ${formatSize(LIMITS.maxMemoryBytes)}`;
    fail(at, `must be between ${range}, got ${formatSize(bytes)}`);
  }
  return bytes;
}

function timeoutMs(value: string, at: Path, fail: Fail): number {
  const ms = unit(() => parseDuration(value), at, fail);
  if (ms < LIMITS.minTimeoutMs || ms > LIMITS.maxTimeoutMs) {
    const range = `${formatDuration(LIMITS.minTimeoutMs)} and ${formatDuration(LIMITS.maxTimeoutMs)}`;
    fail(at, `must be between ${range}, got ${formatDuration(ms)}`);
  }
  return ms;
}

function unit(parse: () => number, at: Path, fail: Fail): number {
  try {
    return parse();
  } catch (e) {
    return fail(at, (e as Error).message);
  }
}

/**
 * The handler must stay inside the app directory (CWE-22): relative, "/"-separated, no ".."
 * segment, no control characters, and a JavaScript or TypeScript module.
 * Whether the file exists is checked where there is I/O, using the parser's locate().
 */
function checkHandlerPath(handler: string, at: Path, fail: Fail): void {
  if (/[\u0000-\u001f\u007f]/.test(handler)) fail(at, "must not contain control characters");
  if (handler.includes("\\")) fail(at, `must use "/" to separate directories, not "\\"`);
  if (handler.startsWith("/") || /^[A-Za-z]:/.test(handler)) fail(at, "must be relative to the app directory");
  const parts = handler.split("/");
  if (parts.includes("..")) fail(at, `must not contain ".." (it must stay inside the app directory)`);
  if (parts.includes("")) fail(at, `must not contain empty segments ("//" or a trailing "/")`);
  const file = parts.at(-1) ?? "";
  if (!HANDLER_EXTENSIONS.some((ext) => file.endsWith(ext) && file.length > ext.length)) {
    fail(at, `must be a ${HANDLER_EXTENSIONS.join(", ")} file`);
  }
}

function normalizeHttp(http: RawHttpTrigger, at: Path, fail: Fail, routes: Map<string, DeclaredRoute[]>, jwt: JwtConfig | undefined): HttpTrigger {
  const pathAt = [...at, "path"];
  let shape: string;
  try {
    shape = templateShape(parsePathTemplate(http.path));
  } catch (e) {
    return fail(pathAt, (e as Error).message);
  }
  const declared = routes.get(shape) ?? [];
  // ANY answers every method, so it collides with each method on the same shape and vice versa.
  const clash = declared.find((r) => r.method === http.method || r.method === "ANY" || http.method === "ANY");
  if (clash !== undefined) {
    fail(pathAt, `route ${http.method} ${http.path} overlaps ${clash.method} ${clash.path} of ${fieldPath(clash.at)}`);
  }
  declared.push({ method: http.method, path: http.path, at });
  routes.set(shape, declared);
  return { kind: "http", method: http.method, path: http.path, ...routeAuth(http, at, fail, jwt) };
}
