// OS command injection (CWE-78). A command only runs after a shell separator, so every rule needs
// one (; | || & && newline, $( or a backtick), then a command shaped like use, not like prose:
// "Tom & Jerry", "Home | More", "React & Node" and "passport; ID" must pass. The rules read the
// shell view, where c'a't, c\at and ca$@t are "cat" and ${IFS} is a space.
import { regexRule } from "./rule.ts";
import type { WafRule } from "./types.ts";

const cmdi = (id: string, description: string) => ({ id, class: "cmdi" as const, description, cwe: "CWE-78" });

// A backtick opens a command only where markdown would not: at the start or glued to a word
// (name=`id`), never after a space (the `id` field).
const TICK = String.raw`(?:^|(?<=[^\s(]))\x60`;
/** Any separator. */
const SEP = String.raw`(?:[;&|\n]|\$\(|${TICK})`;
/**
 * Separators for commands that are also words ("id", "ls"), never right after a word: prose and
 * semicolon-separated CSV put them there ("passport; ID", "Name;Email;ID"). Injections mostly
 * follow a value or nothing ("127.0.0.1;id", "|id"); "x;id" is the price of that.
 */
const WEAK_SEP = String.raw`(?:(?<![a-z]\s?)[;&|]|\|\||&&|\n|\$\(|${TICK})`;
/** Literals one of which every separator contains: the cheap test before the patterns run. */
const SEPARATORS = [";", "&", "|", "\n", "$(", "`"];
const BIN = String.raw`(?:(?:/usr)?(?:/local)?/s?bin/)?`;
const FLAGS = String.raw`(?:-[\w-]{1,16}\s+(?:\d{1,6}\s+)?){0,4}`;

export const CMDI_RULES: readonly WafRule[] = [
  regexRule(
    cmdi("cmdi-001", "reconnaissance command after a separator: ; whoami, | uname -a"),
    "shell",
    SEPARATORS,
    new RegExp(String.raw`${SEP}\s*${BIN}(?:whoami|uname(?:\s+-[a-z]{1,4})?|ifconfig|ipconfig|systeminfo|tasklist|netstat|getuid|printenv)\b`),
  ),
  regexRule(
    cmdi("cmdi-002", "short command that is also a word, alone after a separator: | id, ; ls"),
    "shell",
    SEPARATORS,
    new RegExp(String.raw`${WEAK_SEP}\s*${BIN}(?:id|pwd|hostname|ls(?:\s+-[a-z]{1,6})?|ps\s+(?:-?aux|-ef|-e))\s*(?:$|[;&\x60)#\n])`),
  ),
  regexRule(
    cmdi("cmdi-003", "file command on a path after a separator: ; cat /etc/passwd, & type c:\\"),
    "shell",
    SEPARATORS,
    new RegExp(
      String.raw`${SEP}\s*${BIN}(?:cat|tac|nl|head|tail|more|less|od|xxd|strings|ls|dir|type|rm|cp|mv|chmod|chown|touch|find|grep|awk|sed|tee|base64)` +
        String.raw`\s+${FLAGS}(?:/|~|\.{1,2}/|[a-z]:[\\/]|%\w{1,32}%|\$home\b|\*)`,
    ),
  ),
  regexRule(
    cmdi("cmdi-004", "network command on a host after a separator: && curl http://…, | nc host 4444"),
    "shell",
    SEPARATORS,
    new RegExp(
      String.raw`${SEP}\s*${BIN}(?:curl|wget|nc|ncat|netcat|telnet|ping|nslookup|dig|ftp|tftp|ssh|scp|socat|certutil|bitsadmin|iwr|invoke-webrequest)` +
        String.raw`\s+${FLAGS}(?:[a-z][\w+.-]{1,16}://|\d{1,3}\.\d|[\w-]{1,63}(?:\.[\w-]{1,63}){0,8}\.[a-z]{2,}\b|[\w.-]{1,64}@[\w.-]{1,64}|localhost\b|\$)`,
    ),
  ),
  regexRule(
    cmdi("cmdi-005", "shell or interpreter after a separator: | sh, ; python -c"),
    "shell",
    SEPARATORS,
    new RegExp(
      String.raw`${SEP}\s*${BIN}(?:(?:(?:ba|z|k|da|c|tc)?sh)(?:\s*(?:$|[;&|\x60)<>])|\s+-[a-z]\b)` +
        String.raw`|(?:python[\d.]{0,4}|perl|ruby|php|node|lua|pwsh|powershell(?:\.exe)?|cmd(?:\.exe)?)\s+(?:-[a-z]\b|/c\b)|(?:python[\d.]{0,4}|perl|ruby|php|node)\s*<)`,
    ),
  ),
  regexRule(
    cmdi("cmdi-006", "command substitution: $(…), `…`"),
    "shell",
    ["$(", "`"],
    new RegExp(
      String.raw`(?:\$\(|${TICK})\s*(?:(?:/usr)?/s?bin/|(?:cat|ls|id|whoami|uname|curl|wget|sleep|echo|ping|nslookup|bash|sh|rm|printf|base64|env)\b)`,
    ),
  ),
  regexRule(
    cmdi("cmdi-007", "shell field-separator variable used as a space: ${IFS}"),
    "text",
    ["${ifs", "$ifs"],
    /\$\{ifs\b|\$ifs\b/,
  ),
  regexRule(
    cmdi("cmdi-008", "reverse shell or download-and-run one-liner: /dev/tcp/, nc -e, bash -i, powershell -enc"),
    "shell",
    ["/dev/", "mkfifo", "/bin/", "nc", "sh", "cmd", "certutil", "python"],
    /\/dev\/(?:tcp|udp)\/|\bmkfifo\s+\/|(?:^|[\s;&|\x60(])\/(?:usr\/)?bin\/(?:ba|z|k|da)?sh\b|\bnc(?:at)?\s+(?:-[a-z]{1,4}\s+){0,4}-[a-z]{0,3}e\s|\b(?:ba)?sh\s+-i\s*(?:[>&]|$)|\bcmd(?:\.exe)?\s+\/[ck]\s|\bpowershell(?:\.exe)?\s+-(?:e|enc|encodedcommand|nop|noprofile|w|windowstyle|c|command|ep|executionpolicy)\b|\bcertutil(?:\.exe)?\s+-urlcache\b|\bpython[\d.]{0,4}\s+-c\s+import\s/,
  ),
  regexRule(
    cmdi("cmdi-009", "wildcard-spelled command path: /???/c?t /???/p??s??"),
    "shell",
    ["?"],
    /(?:^|[\s;&|\x60(])(?=[\w/]{0,40}\?[\w/]{0,40}\?)\/[\w?*]{1,16}\/[\w?*]{1,16}/,
  ),
  regexRule(
    cmdi("cmdi-010", "timed blind injection: ; sleep 10"),
    "shell",
    SEPARATORS,
    new RegExp(String.raw`${SEP}\s*${BIN}(?:sleep|timeout)\s+\d{1,4}\s*(?:$|[;&|\x60)#\n])|${SEP}\s*ping\s+-[nc]\s*\d{1,4}\b`),
  ),
  regexRule(
    // Any string a Java service logs runs such a lookup (Log4Shell, CVE-2021-44228): the scanners
    // that spray it at every header are after whatever sits behind this platform. A lookup nested in
    // a lookup is how it hides from "jndi" ("${${lower:j}ndi:", "${${::-j}ndi:"); prose has neither.
    { id: "cmdi-011", class: "cmdi", description: "expression lookup that loads remote code: ${jndi:ldap://…}, ${${lower:j}ndi:…} (Log4Shell)", cwe: "CWE-917" },
    "text",
    ["${"],
    /\$\{(?:[^}]{0,16}\$\{|\s{0,4}(?:jndi|ctx)\s{0,4}:)/,
  ),
];
