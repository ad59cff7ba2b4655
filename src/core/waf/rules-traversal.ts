// Path traversal and file disclosure (CWE-22, CWE-158). These read the text view, where
// %2e%2e%2f, %252e, ..%c0%af and ..%5c have all become "../" or "..\".
import { regexRule } from "./rule.ts";
import type { WafRule } from "./types.ts";

export const TRAVERSAL_RULES: readonly WafRule[] = [
  regexRule(
    { id: "traversal-001", class: "traversal", description: "parent-directory segment: ../ or ..\\", cwe: "CWE-22" },
    "text",
    [".."],
    // "..;/" is Tomcat's path-parameter bypass; U+2215 and U+2044 are slashes to some decoders.
    /\.\.(?:[\\/\u2215\u2044]|;[\\/])|[\\/]\.\.$/,
  ),
  regexRule(
    { id: "traversal-002", class: "traversal", description: "well-known sensitive file: /etc/passwd, win.ini, /proc/self/environ", cwe: "CWE-22" },
    "text",
    ["etc", "proc", "windows", "boot.ini", ".ssh", ".aws", ".git", ".ht", "web-inf", "secrets", ".env"],
    /(?:^|[\\/])(?:etc[\\/]+(?:passwd|shadow|group|hosts|sudoers|issue|crontab|master\.passwd)\b|proc[\\/]+(?:self|\d{1,7})[\\/]+(?:environ|cmdline|maps|mem|fd|root|cwd|exe|status)\b|windows[\\/]+(?:win\.ini|system\.ini|system32[\\/]+(?:drivers[\\/]+etc|config))\b|boot\.ini\b|\.ssh[\\/]|\.aws[\\/]+credentials\b|\.git[\\/]+(?:config|head)\b|\.ht(?:passwd|access)\b|web-inf[\\/]+web\.xml\b|var[\\/]+run[\\/]+secrets\b|\.env$)/,
  ),
  regexRule(
    // Last on purpose: a NUL inside another attack should be reported as that attack.
    { id: "traversal-003", class: "traversal", description: "NUL byte that truncates a file name: file.php%00.png", cwe: "CWE-158" },
    "text",
    ["\0"],
    /\0/,
  ),
];
