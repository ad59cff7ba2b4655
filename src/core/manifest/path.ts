// HTTP route path templates: "/users/{id}/files/{rest+}". The manifest parser checks them and the
// edge router matches requests against the parsed segments.
//
// Literal segments are limited to RFC 3986 §2.3 unreserved characters, so a template never
// depends on percent-decoding or case folding to match; "." and ".." are refused because
// RFC 3986 §5.2.4 removes dot-segments, and a route must not name a path no client can send.

export type PathSegment = { literal: string } | { param: string; greedy: boolean };

export interface PathTemplate {
  /** Empty for the root template "/". */
  segments: PathSegment[];
}

const LITERAL = /^[A-Za-z0-9._~-]+$/;
const PARAM = /^\{([A-Za-z_][A-Za-z0-9_]{0,63})(\+?)\}$/;

/** Parses a template; throws an Error whose message is the reason ("must ..."). */
export function parsePathTemplate(path: string): PathTemplate {
  if (!path.startsWith("/")) throw new Error(`must start with "/"`);
  if (path === "/") return { segments: [] };
  const parts = path.slice(1).split("/");
  const seen = new Set<string>();
  const segments = parts.map((part, i): PathSegment => {
    if (part === "") throw new Error(`must not contain empty segments ("//" or a trailing "/")`);
    const param = PARAM.exec(part);
    if (param !== null) {
      const name = param[1] ?? "";
      const greedy = param[2] === "+";
      if (seen.has(name)) throw new Error(`uses the parameter {${name}} twice`);
      if (greedy && i !== parts.length - 1) throw new Error(`may only use a greedy {${name}+} as the last segment`);
      seen.add(name);
      return { param: name, greedy };
    }
    if (part === "." || part === "..") throw new Error(`must not contain "." or ".." segments`);
    if (!LITERAL.test(part)) {
      throw new Error("segments must be letters, digits, . _ ~ - or a whole {parameter}");
    }
    return { literal: part };
  });
  return { segments };
}

/**
 * The template with parameter names erased: "/users/{id}" and "/users/{name}" have the same shape
 * and match exactly the same requests, so they are the same route.
 */
export function templateShape(template: PathTemplate): string {
  const parts = template.segments.map((s) => ("literal" in s ? s.literal : s.greedy ? "{+}" : "{}"));
  return `/${parts.join("/")}`;
}
