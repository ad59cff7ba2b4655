// The Host header, as RFC 9112 §3.2 requires of a server: an HTTP/1.1 request without one, with
// two, or with one that is no host[:port] is refused 400. Node checks only that one is there and
// joins two into "a,b"; a function that builds links or redirects from it would then serve the
// attacker's host (Host header injection, CWE-644). A refusal is a request.malformed event.
import { refuse } from "../refuse.ts";
import type { Stage } from "../exchange.ts";

/** A name (letters, digits, ".", "-", "_") or a bracketed IPv6 literal, with an optional port. */
const HOST = /^(?:\[[0-9A-Fa-f:.]{2,45}\]|[A-Za-z0-9._-]{0,253})(?::\d{1,5})?$/;

export const checkHost: Stage = (x, deps) => {
  const problem = hostProblem(x.req.rawHeaders, x.req.httpVersion);
  if (problem === undefined) return;
  throw refuse(x, deps.events, { type: "request.malformed", severity: "medium", reason: problem }, "BWK_BAD_REQUEST", `the request has ${problem}`);
};

/** What is wrong with the request's Host headers, or undefined; HTTP/1.0 may go without one. */
function hostProblem(raw: readonly string[], httpVersion: string): string | undefined {
  let count = 0;
  let host = "";
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.length !== 4 || raw[i]!.toLowerCase() !== "host") continue;
    count++;
    host = raw[i + 1]!;
  }
  if (count > 1) return "two Host headers";
  if (count === 0) return httpVersion === "1.0" ? undefined : "no Host header";
  return HOST.test(host) ? undefined : "a Host that is no host[:port]";
}
