// The server's look at the scan report a deploy carries. The platform cannot re-run the scan (it
// never sees the sources), so it holds the report to what it can check: the shape, a verdict
// that agrees with its own findings and threshold, a threshold no looser than the manifest's,
// and suppressions that bulwark.yaml really declares with the justification it gives. A report
// that says "blocked" is refused outright.
import { BulwarkError } from "../../core/errors.ts";
import type { Manifest } from "../../core/manifest/types.ts";
import { pathMatches, ruleMatches } from "../../scan/suppress.ts";
import { atLeast, SEVERITIES, type FailOn, type Severity } from "../../scan/types.ts";

const FAIL_ON: readonly FailOn[] = ["high", "medium", "low"];
const MAX_FINDINGS = 10_000;
const MAX_REPORT_BYTES = 16 * 1024 * 1024;
const RULE_ID = /^[A-Za-z0-9_.-]{1,64}\/[A-Za-z0-9_.-]{1,64}$/;

/** A suppressed finding as the audit log records it. */
export interface SuppressedRecord {
  rule: string;
  severity: Severity;
  cwe: string;
  file: string;
  line: number;
  column: number;
  justification: string;
}

export interface AdmittedScan {
  /** The report as stored with each version (JSON). */
  json: string;
  failOn: FailOn;
  findings: number;
  suppressed: SuppressedRecord[];
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

export function admitScanReport(manifest: Manifest, report: unknown): AdmittedScan {
  if (!isObject(report)) throw bad("a deploy needs the scan report of the deploy gate (scan); deploy with `bulwark deploy`");
  const failOn = report.failOn;
  if (typeof failOn !== "string" || !FAIL_ON.includes(failOn as FailOn)) throw bad(`scan.failOn must be one of ${FAIL_ON.join(", ")}`);
  const required = manifest.scan?.failOn ?? "high";
  // A stricter threshold is fine; a looser one would let through what bulwark.yaml blocks.
  if (!atLeast(required, failOn as FailOn)) {
    throw new BulwarkError("BWK_SCAN_BLOCKED", `the scan ran with fail-on ${failOn}, but bulwark.yaml requires fail-on ${required}`);
  }
  if (typeof report.blocked !== "boolean") throw bad("scan.blocked must be true or false");
  if (report.blocked) throw new BulwarkError("BWK_SCAN_BLOCKED", "the scan report says the deploy is blocked: fix the findings or suppress them with a justification");
  const findings = list(report.findings, "scan.findings").map((f, i) => finding(f, `scan.findings[${i}]`));
  const blocking = findings.find((f) => atLeast(f.severity, failOn as FailOn));
  if (blocking) {
    throw new BulwarkError("BWK_SCAN_BLOCKED", `the scan report passes a ${blocking.severity} finding (${blocking.rule} at ${blocking.file}:${blocking.line})`);
  }
  const suppressed = list(report.suppressed, "scan.suppressed").map((s, i) => suppressedFinding(manifest, s, `scan.suppressed[${i}]`));
  const json = JSON.stringify(report);
  if (Buffer.byteLength(json) > MAX_REPORT_BYTES) throw new BulwarkError("BWK_PAYLOAD_TOO_LARGE", "the scan report is larger than 16 MiB");
  return { json, failOn: failOn as FailOn, findings: findings.length, suppressed };
}

function list(value: unknown, where: string): unknown[] {
  if (!Array.isArray(value)) throw bad(`${where} must be a list`);
  if (value.length > MAX_FINDINGS) throw bad(`${where} has more than ${MAX_FINDINGS} entries`);
  return value;
}

function finding(value: unknown, where: string): Omit<SuppressedRecord, "justification"> {
  if (!isObject(value)) throw bad(`${where} must be an object`);
  const { ruleId, severity, cwe, file, line, column } = value;
  if (typeof ruleId !== "string" || !RULE_ID.test(ruleId)) throw bad(`${where}.ruleId must be a rule id`);
  if (typeof severity !== "string" || !SEVERITIES.includes(severity as Severity)) throw bad(`${where}.severity must be one of ${SEVERITIES.join(", ")}`);
  if (typeof file !== "string" || file.length === 0 || file.length > 1024) throw bad(`${where}.file must be a path`);
  if (!isPosition(line) || !isPosition(column)) throw bad(`${where}.line and .column must be whole numbers`);
  if (cwe !== undefined && (typeof cwe !== "string" || !/^CWE-\d{1,6}$/.test(cwe))) throw bad(`${where}.cwe must look like CWE-89`);
  return { rule: ruleId, severity: severity as Severity, cwe: cwe ?? "", file, line, column };
}

/** Each suppressed finding must be covered by a suppression of bulwark.yaml, with its justification. */
function suppressedFinding(manifest: Manifest, value: unknown, where: string): SuppressedRecord {
  if (!isObject(value)) throw bad(`${where} must be an object`);
  const f = finding(value.finding, `${where}.finding`);
  const justification = value.justification;
  const declared = (manifest.suppressions ?? []).find((s) => ruleMatches(s.rule, f.rule) && pathMatches(s.path, f.file));
  if (!declared || declared.justification !== justification) {
    throw bad(`${where}: ${f.rule} at ${f.file} is not suppressed with this justification in bulwark.yaml`);
  }
  return { ...f, justification: declared.justification };
}

function isPosition(n: unknown): n is number {
  return typeof n === "number" && Number.isInteger(n) && n >= 0 && n <= 10_000_000;
}

function bad(message: string): BulwarkError {
  return new BulwarkError("BWK_BAD_REQUEST", message);
}
