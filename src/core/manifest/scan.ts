// The deploy gate's manifest keys, normalized. A suppression accepts a finding on purpose, so it
// must say which rule, where, and why in words a reviewer can judge: the justification is
// written to the audit log at every deploy it suppresses something in.
import type { Fail, Path } from "./problem.ts";
import type { RawScan, RawSuppression } from "./scan-schema.ts";
import type { ScanSettings, Suppression } from "./types.ts";

const MIN_JUSTIFICATION_CHARS = 20;
const MIN_JUSTIFICATION_WORDS = 3;
/** Words that stand in for a reason without giving one. */
const PLACEHOLDER = /\b(todo|fixme|tbd|xxx|wip|later|n\/a)\b/i;

export function scanSettings(raw: RawScan): ScanSettings {
  return raw.failOn === undefined ? {} : { failOn: raw.failOn };
}

export function suppressions(raw: RawSuppression[], fail: Fail): Suppression[] {
  return raw.map((s, i) => {
    const at: Path = ["suppressions", i];
    if (s.rule.startsWith("*")) fail([...at, "rule"], "must name a rule or a rule family (dependency/*), not every rule");
    checkPath(s.path, [...at, "path"], fail);
    const justification = s.justification.trim().replace(/\s+/g, " ");
    const words = justification.split(" ").filter((w) => /\p{L}{2,}/u.test(w)).length;
    if (justification.length < MIN_JUSTIFICATION_CHARS || words < MIN_JUSTIFICATION_WORDS || PLACEHOLDER.test(justification)) {
      fail(
        [...at, "justification"],
        `must explain in words why the finding is accepted (at least ${MIN_JUSTIFICATION_CHARS} characters and ${MIN_JUSTIFICATION_WORDS} words, not a TODO)`,
      );
    }
    return { rule: s.rule, path: s.path, justification };
  });
}

/** A file, a directory ending in "/", or a glob, relative to the app and inside it (CWE-22). */
function checkPath(path: string, at: Path, fail: Fail): void {
  if (/[\u0000-\u001f\u007f]/.test(path)) fail(at, "must not contain control characters");
  if (path.includes("\\")) fail(at, `must use "/" to separate directories, not "\\"`);
  if (path.startsWith("/") || /^[A-Za-z]:/.test(path)) fail(at, "must be relative to the app directory");
  if (path.replace(/^\.\//, "").split("/").includes("..")) fail(at, `must not contain ".." (it names files inside the app)`);
}
