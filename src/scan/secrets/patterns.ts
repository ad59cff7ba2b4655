// Provider token formats. Every quantifier is bounded and no pattern nests quantifiers, so a
// hostile 1 MB file costs linear time (the scanned tree is attacker-controlled input too).
import type { Severity } from "../types.ts";

export interface SecretRule {
  id: string;
  title: string;
  severity: Severity;
  /** CWE-798 hard-coded credentials; CWE-321 hard-coded cryptographic key. */
  cwe: "CWE-798" | "CWE-321";
}

export const SECRET_RULES = {
  "secret/aws-access-key-id": { title: "AWS access key id", severity: "high", cwe: "CWE-798" },
  "secret/aws-secret-access-key": { title: "AWS secret access key", severity: "critical", cwe: "CWE-798" },
  "secret/github-token": { title: "GitHub token", severity: "high", cwe: "CWE-798" },
  "secret/gitlab-token": { title: "GitLab personal access token", severity: "high", cwe: "CWE-798" },
  "secret/slack-token": { title: "Slack token or webhook", severity: "high", cwe: "CWE-798" },
  "secret/stripe-live-key": { title: "Stripe live secret key", severity: "critical", cwe: "CWE-798" },
  "secret/google-api-key": { title: "Google API key", severity: "high", cwe: "CWE-798" },
  "secret/npm-token": { title: "npm access token", severity: "high", cwe: "CWE-798" },
  "secret/private-key": { title: "Private key block", severity: "critical", cwe: "CWE-321" },
  "secret/jwt-secret": { title: "JWT or session signing secret", severity: "high", cwe: "CWE-321" },
  "secret/connection-string-password": { title: "Connection string password", severity: "high", cwe: "CWE-798" },
  "secret/generic": { title: "Credential-like high-entropy value", severity: "medium", cwe: "CWE-798" },
} as const satisfies Record<string, Omit<SecretRule, "id">>;

export type SecretRuleId = keyof typeof SECRET_RULES;

export const SECRET_FIX =
  "Remove the value from the code and history, rotate it, and read it at run time with ctx.secrets.get(NAME).";

/** A token format: group 1 is the secret. */
export interface TokenPattern {
  rule: SecretRuleId;
  regex: RegExp;
}

export const TOKEN_PATTERNS: readonly TokenPattern[] = [
  { rule: "secret/aws-access-key-id", regex: /\b((?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16})(?![A-Z0-9])/g },
  {
    rule: "secret/aws-secret-access-key",
    regex: /\b(?:aws_?)?secret_?(?:access_?)?key["']?\s{0,4}[:=]\s{0,4}["'`]?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])/gi,
  },
  { rule: "secret/github-token", regex: /\b(gh[pousr]_[A-Za-z0-9]{36,251})(?![A-Za-z0-9])/g },
  { rule: "secret/github-token", regex: /\b(github_pat_[A-Za-z0-9_]{50,255})(?![A-Za-z0-9_])/g },
  { rule: "secret/gitlab-token", regex: /\b(glpat-[A-Za-z0-9_-]{20,64})(?![A-Za-z0-9_-])/g },
  { rule: "secret/slack-token", regex: /\b(xox[baprs]-[A-Za-z0-9-]{10,250})(?![A-Za-z0-9-])/g },
  {
    rule: "secret/slack-token",
    regex: /(https:\/\/hooks\.slack\.com\/services\/T[A-Z0-9]{6,12}\/B[A-Z0-9]{6,12}\/[A-Za-z0-9]{20,32})/g,
  },
  { rule: "secret/stripe-live-key", regex: /\b((?:sk|rk)_live_[A-Za-z0-9]{20,247})(?![A-Za-z0-9])/g },
  { rule: "secret/google-api-key", regex: /\b(AIza[0-9A-Za-z_-]{35})(?![0-9A-Za-z_-])/g },
  { rule: "secret/npm-token", regex: /\b(npm_[A-Za-z0-9]{36})(?![A-Za-z0-9])/g },
];

/** A private key header; the finder also requires key material after it (not a `...` placeholder). */
export const PRIVATE_KEY = /-----BEGIN ((?:RSA|EC|DSA|OPENSSH|ENCRYPTED|PGP) )?PRIVATE KEY( BLOCK)?-----/g;

/** scheme://user:password@host — group 2 is the password, group 3 the host. */
export const CONNECTION_STRING =
  /\b(postgres(?:ql)?|mysql|mariadb|mongodb(?:\+srv)?|rediss?|amqps?|mssql|sqlserver|s?ftp|smtps?):\/\/([^:@\s/'"`]{1,128}):([^@\s/'"`]{1,256})@([^\s'"`/:?,;]{1,253})/gi;

/** `jwt.sign(payload, "literal")`, `jwt.verify(token, "literal")`: the call's opening. */
export const JWT_CALL = /\b(?:jwt|jsonwebtoken|JWT)\.(?:sign|verify)\s{0,4}\(/g;

/** `name = "value"`, `name: 'value'`, `"name": "value"`: group 2 the name, group 3 the quote. */
export const QUOTED_ASSIGNMENT = /(?<![\w.$-])(["']?)([A-Za-z_$][\w.$-]{0,63})\1\s{0,4}(?::|=|:=|=>)\s{0,4}(["'`])/g;

/** `NAME=value` / `name: value` unquoted, in .env, YAML and properties files. */
export const BARE_ASSIGNMENT = /^[ \t]{0,16}(?:export[ \t]+)?([A-Za-z_][\w.-]{0,63})[ \t]{0,4}[:=][ \t]{0,4}([^\s#'"`]{6,256})[ \t]*$/gm;
