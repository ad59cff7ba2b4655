// The JSON Schema `format`s input schemas may use. ajv knows none by itself, and an unknown format
// fails the deploy (strict mode) rather than being ignored: a schema that says "email" must not
// quietly accept anything. Each check is linear-time (no backtracking patterns) and bounded.
import { isIP } from "node:net";

const MAX_FORMAT_INPUT = 2048;

// RFC 3339 §5.6; the regex takes the shape, Date.parse the calendar (no 2024-02-31).
const DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
const TIME = /^([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d{1,9})?([Zz]|[+-]([01]\d|2[0-3]):[0-5]\d)$/;
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
// RFC 1123 host names: labels of letters, digits and inner hyphens, 253 characters at most.
const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;
// A pragmatic address: one "@", no spaces or angle brackets, a dotted domain (not RFC 5322 in full).
const EMAIL = /^[^\s@<>()[\]\\,;:"]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

const bounded = (check: (s: string) => boolean) => (s: string) => s.length <= MAX_FORMAT_INPUT && check(s);

const FORMATS: Record<string, (s: string) => boolean> = {
  date: bounded((s) => DATE.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s)),
  time: bounded((s) => TIME.test(s)),
  "date-time": bounded((s) => {
    const t = s.search(/[Tt ]/);
    return t === 10 && FORMATS.date!(s.slice(0, 10)) && TIME.test(s.slice(11));
  }),
  email: bounded((s) => EMAIL.test(s)),
  hostname: bounded((s) => HOSTNAME.test(s)),
  ipv4: bounded((s) => isIP(s) === 4),
  ipv6: bounded((s) => isIP(s) === 6),
  uuid: bounded((s) => UUID.test(s)),
  uri: bounded((s) => /^[A-Za-z][A-Za-z0-9+.-]*:/.test(s) && URL.canParse(s)),
};

/** Structural, so any of ajv's draft classes fits. */
interface FormatRegistry {
  addFormat(name: string, format: { type: "string"; validate: (s: string) => boolean }): unknown;
}

export function addFormats(ajv: FormatRegistry): void {
  for (const [name, validate] of Object.entries(FORMATS)) ajv.addFormat(name, { type: "string", validate });
}

export const SUPPORTED_FORMATS = Object.keys(FORMATS);
