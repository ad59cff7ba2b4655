// JSON Schema pieces of the manifest's deploy-gate keys: `scan:` (the gate's threshold) and
// `suppressions:` (accepted findings). What JSON Schema says poorly (a path that leaves the app,
// a justification that explains nothing) is checked in scan.ts with messages of its own.

export const SCAN_FAIL_ON = ["high", "medium", "low"] as const;
export type ScanFailOn = (typeof SCAN_FAIL_ON)[number];

/** A rule id (`taint/sql-injection`) or a family prefix ending in `*` (`dependency/*`). */
export const SUPPRESSION_RULE_PATTERN = "^[A-Za-z0-9_.-]+/[A-Za-z0-9_.*-]*$";

export const scanSchema = {
  type: "object",
  additionalProperties: false,
  properties: {
    failOn: { type: "string", enum: SCAN_FAIL_ON, hint: { enum: `must be one of ${SCAN_FAIL_ON.join(", ")}` } },
  },
};

export const suppressionsSchema = {
  type: "array",
  maxItems: 200,
  items: {
    type: "object",
    additionalProperties: false,
    required: ["rule", "path", "justification"],
    properties: {
      rule: {
        type: "string",
        maxLength: 128,
        pattern: SUPPRESSION_RULE_PATTERN,
        hint: { pattern: "must be a rule id such as taint/sql-injection, or a family such as dependency/*" },
      },
      path: { type: "string", minLength: 1, maxLength: 1024 },
      justification: { type: "string", maxLength: 1000 },
    },
  },
};

export interface RawScan {
  failOn?: ScanFailOn;
}

export interface RawSuppression {
  rule: string;
  path: string;
  justification: string;
}
