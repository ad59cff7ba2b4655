// Secrets: set, rotate, list (names and versions), read back (break-glass, `secrets.read` in the
// role matrix: audited like every control call, its record naming the secret and version), and
// remove. Values travel only in request and response bodies over the control API (loopback, or
// TLS). Each stage has its own secrets (`?stage=dev|prod`, default prod): setting one in dev never
// gives dev code a production value, and a dev CI token cannot touch prod's (auth/guard.ts).
import { BulwarkError } from "../../core/errors.ts";
import { everyStage, type ControlRequest, type ControlRoute } from "../route.ts";

const MAX_BODY = 128 * 1024;

export const secretRoutes: ControlRoute[] = [
  {
    method: "GET",
    pattern: /^\/v1\/secrets$/,
    action: everyStage("secrets.list"),
    target: () => "secrets",
    handle: (r) => r.platform.stage(r.stage).broker.secrets.list(),
  },
  {
    method: "POST",
    pattern: /^\/v1\/secrets\/([^/]+)$/,
    action: everyStage("secrets.write"),
    target: (r) => `secret:${r.params[0]}`,
    handle: async (r) => versioned(r, r.platform.stage(r.stage).broker.secrets.set(r.params[0], await value(r))),
  },
  {
    method: "POST",
    pattern: /^\/v1\/secrets\/([^/]+)\/rotate$/,
    action: everyStage("secrets.rotate"),
    target: (r) => `secret:${r.params[0]}`,
    handle: async (r) => versioned(r, r.platform.stage(r.stage).broker.secrets.rotate(r.params[0], await value(r))),
  },
  {
    method: "GET",
    pattern: /^\/v1\/secrets\/([^/]+)\/value$/,
    action: everyStage("secrets.read"),
    target: (r) => `secret:${r.params[0]}`,
    handle: (r) => {
      const name = r.params[0]!;
      const { value, version } = r.platform.stage(r.stage).broker.secrets.read(name);
      r.audit.details = { version };
      return { name, version, value };
    },
  },
  {
    method: "POST",
    pattern: /^\/v1\/secrets\/([^/]+)\/rm$/,
    action: everyStage("secrets.write"),
    target: (r) => `secret:${r.params[0]}`,
    handle: (r) => {
      r.audit.details = { change: "removed" };
      return r.platform.stage(r.stage).broker.secrets.remove(r.params[0]);
    },
  },
];

async function value(r: ControlRequest): Promise<unknown> {
  const body = await r.body(MAX_BODY);
  if (typeof body !== "object" || body === null || !Object.hasOwn(body, "value")) {
    throw new BulwarkError("BWK_INVALID_ARGUMENT", "the request body must be { \"value\": \"...\" }");
  }
  return (body as { value: unknown }).value;
}

function versioned<T extends { version: number }>(r: ControlRequest, result: T): T {
  r.audit.details = { version: result.version };
  return result;
}
