// Matches a request to a function's http trigger. Compiled once per deploy; matching is per
// request. Literal segments beat parameters, parameters beat a greedy tail.
import { BulwarkError } from "../core/errors.ts";
import { parsePathTemplate } from "../core/manifest/path.ts";
import type { HttpTrigger, TenantIsolation } from "../core/manifest/types.ts";
import type { FunctionVersion } from "../store/state.ts";

export interface RouteMatch {
  function: string;
  trigger: HttpTrigger;
  /** `METHOD /template`, as API Gateway names it. */
  routeKey: string;
  pathParameters: Record<string, string>;
  /** The function's `isolation: tenant` settings, if it has them. */
  isolation?: TenantIsolation;
}

type Segment = { literal: string } | { param: string; greedy: boolean };

interface CompiledRoute {
  function: string;
  trigger: HttpTrigger;
  /** `METHOD /template`, made once per deploy rather than per request. */
  routeKey: string;
  segments: Segment[];
  isolation: TenantIsolation | undefined;
  /** Sort key: more literal segments first, greedy routes last. */
  rank: number;
}

export class Router {
  readonly #routes: CompiledRoute[];

  constructor(versions: FunctionVersion[]) {
    this.#routes = versions
      .flatMap((v) =>
        v.spec.triggers
          .filter((t): t is HttpTrigger => t.kind === "http")
          .map((trigger) => {
            const segments = parsePathTemplate(trigger.path).segments as Segment[];
            const routeKey = `${trigger.method} ${trigger.path}`;
            return { function: v.function, trigger, routeKey, segments, isolation: v.spec.isolation, rank: rankOf(segments) };
          }),
      )
      .sort((a, b) => b.rank - a.rank);
  }

  match(method: string, rawPath: string): RouteMatch {
    const parts = splitPath(rawPath);
    const allowed = new Set<string>();
    for (const route of this.#routes) {
      const params = matchSegments(route.segments, parts);
      if (!params) continue;
      const m = route.trigger.method;
      if (m === "ANY" || m === method || (method === "HEAD" && m === "GET")) {
        const match: RouteMatch = {
          function: route.function,
          trigger: route.trigger,
          routeKey: route.routeKey,
          pathParameters: params,
        };
        if (route.isolation !== undefined) match.isolation = route.isolation;
        return match;
      }
      allowed.add(m);
    }
    if (allowed.size > 0) {
      throw new BulwarkError("BWK_METHOD_NOT_ALLOWED", `${method} is not allowed on this path`, {
        headers: { allow: [...allowed].sort().join(", ") },
      });
    }
    throw new BulwarkError("BWK_ROUTE_NOT_FOUND", `no route for ${method} ${truncate(rawPath)}`);
  }
}

/**
 * Splits and percent-decodes a path. Dot segments are refused, never resolved, also where an
 * encoded slash or a backslash hides them inside one segment ("..%2F..%2Fetc" would otherwise
 * reach a `{name}` parameter as "../../etc", CWE-22).
 */
function splitPath(rawPath: string): string[] {
  if (!rawPath.startsWith("/")) throw new BulwarkError("BWK_BAD_REQUEST", "the request path must start with /");
  const parts = rawPath === "/" ? [] : rawPath.slice(1).split("/");
  return parts.map((part) => {
    let decoded: string;
    try {
      decoded = decodeURIComponent(part);
    } catch {
      throw new BulwarkError("BWK_BAD_REQUEST", "the request path has an invalid percent-encoding");
    }
    if (decoded.includes("\0") || (decoded.includes(".") && decoded.split(/[\\/]/).some((piece) => piece === "." || piece === ".."))) {
      throw new BulwarkError("BWK_BAD_REQUEST", "the request path has a dot segment or NUL byte");
    }
    return decoded;
  });
}

function matchSegments(segments: Segment[], parts: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    if ("literal" in segment) {
      if (parts[i] !== segment.literal) return undefined;
      continue;
    }
    if (segment.greedy) {
      const rest = parts.slice(i);
      if (rest.length === 0 || rest.some((p) => p === "")) return undefined;
      params[segment.param] = rest.join("/");
      return params;
    }
    const part = parts[i];
    if (part === undefined || part === "") return undefined;
    params[segment.param] = part;
  }
  return parts.length === segments.length ? params : undefined;
}

function rankOf(segments: Segment[]): number {
  let rank = segments.length * 4;
  for (const s of segments) {
    if ("literal" in s) rank += 2;
    else if (s.greedy) rank -= 1000;
  }
  return rank;
}

function truncate(s: string): string {
  return s.length > 120 ? `${s.slice(0, 120)}…` : s;
}
