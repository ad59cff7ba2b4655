// SQL injection (CWE-89). Prose is full of "select", "union", "drop", "or" and apostrophes
// (O'Brien, Rock 'n' roll), so every rule needs SQL *syntax* around the keyword: a quote that
// closes a literal, an operator, a comparison of equal operands, a statement after ";".
// They read the compact view: comments are spaces, so UNION/**/SELECT is "union select".
import { regexRule } from "./rule.ts";
import type { WafRule } from "./types.ts";

const sqli = (id: string, description: string) => ({ id, class: "sqli" as const, description, cwe: "CWE-89" });

// A value that closes a string literal, possibly with closing parentheses: ', ", '), "))
const CLOSE = String.raw`['"]\)*`;
const BOOL = String.raw`(?:or|and|xor|\|\||&&)`;
const IDENT = String.raw`[\w.\x60"\[\]]{1,64}`;

export const SQLI_RULES: readonly WafRule[] = [
  regexRule(
    sqli("sqli-001", "numeric tautology: or 1=1"),
    "compact",
    ["=", "like"],
    new RegExp(String.raw`(?:^|['"\d)\x60])\s*${BOOL}\s*\(?\s*(\d{1,10})\s*(?:=|<=>|like)\s*\(?\s*\1(?!\d)`),
  ),
  regexRule(
    sqli("sqli-002", "comparison of string literals after a closing quote: ' or 'a'='a, ' and 'x'='y"),
    "compact",
    ["=", "<>", "like"],
    new RegExp(String.raw`${CLOSE}\s*${BOOL}\s*\(?\s*(['"])[^'"]{0,32}\1\s*(?:=|<>|!=|<=>|like)\s*\(?\s*['"]`),
  ),
  regexRule(
    sqli("sqli-003", "always-true condition ending the input: ' or true--, 1 or 2>1"),
    "compact",
    ["or", "||"],
    new RegExp(
      String.raw`${CLOSE}\s*(?:or|\|\|)\s+(?:true|not\s+false|1)\s*(?:--|#|/\*|;|$)` +
        // "Rate it 5 or 1" is prose, so a number alone after "or" needs the quote above.
        String.raw`|(?:^|['"\d)])\s*(?:or|\|\|)\s+\d{1,10}\s*(?:[<>]=?|<>|!=)\s*\d{1,10}\s*(?:--|#|/\*|;|$)`,
    ),
  ),
  regexRule(
    sqli("sqli-004", "boolean condition after a closing quote, then a comment: ' and x>y--"),
    "compact",
    ["--", "#", "/*"],
    new RegExp(String.raw`${CLOSE}\s*${BOOL}\s+\S{1,32}?\s*(?:=|<>|!=|<=?|>=?|\blike\b)\s*\S{1,32}?\s*(?:--|#|/\*)`),
  ),
  regexRule(
    sqli("sqli-005", "union select"),
    "compact",
    ["union"],
    /\bunion(?:\s+(?:all|distinct))?(?:\s+|\s*\(\s*)select\s*(?:\*|null\b|\d|@@|'|"|\(|0x|-|[\w.$]{1,64}\s*(?:,|\(|\bfrom\b))/,
  ),
  regexRule(
    sqli("sqli-006", "stacked query after a literal: '; drop table"),
    "compact",
    [";"],
    new RegExp(
      String.raw`(?:^|['"\d)])\s*;\s*(?:drop\s+(?:table|database|schema|view|index|user|procedure|function|trigger)\b` +
        // DML needs its full shape: "10; delete from calendar if not needed" is prose.
        String.raw`|delete\s+from\s+${IDENT}\s*(?:$|;|--|#|where\b)|insert\s+into\s+${IDENT}\s*(?:\(|values\b|select\b)` +
        String.raw`|update\s+${IDENT}\s+set\s+${IDENT}\s*=|(?:truncate|alter)\s+table\b` +
        String.raw`|create\s+(?:table|user|database|function|procedure|trigger)\b|exec(?:ute)?\s*(?:master\.|xp_|sp_|\()` +
        String.raw`|declare\s+@|shutdown\s*(?:--|#|;|$)|grant\s+all\b|select\s+(?:\*\s*from\b|@@|pg_sleep|sleep|load_file|null\b|\d+\s*(?:,|--|#|$|from\b)))`,
    ),
  ),
  regexRule(
    sqli("sqli-007", "comment that cuts off the rest of the query: admin'--"),
    "text",
    ["--", "#", "/*"],
    /['"]\)*\s*;?\s*(?:--|#|\/\*)[\s\-+#*/]{0,8}$/,
  ),
  regexRule(
    sqli("sqli-008", "time-based blind injection: sleep(), benchmark(), pg_sleep(), waitfor delay"),
    "compact",
    ["sleep(", "benchmark", "pg_sleep", "waitfor", "dbms_", "randomblob"],
    /\bsleep\(\s*\d{1,6}(?:\.\d+)?\s*\)|\bbenchmark\s*\(\s*\d{1,12}\s*,|\bpg_sleep\s*\(|\bwaitfor\s+(?:delay|time)\s+['"]|\bdbms_(?:lock\.sleep|pipe\.receive_message)\s*\(|\brandomblob\s*\(\s*\d{6,}/,
  ),
  regexRule(
    sqli("sqli-009", "system catalog access: information_schema, sqlite_master, @@version"),
    "compact",
    ["information_schema", "sys", "sqlite_", "pg_", "all_tab", "user_tables", "mysql.", "@@"],
    /\binformation_schema\b|\b(?:sysobjects|syscolumns|sysdatabases|sqlite_master|sqlite_schema|pg_shadow|pg_catalog|all_tab_columns|all_tables|user_tables)\b|\bmysql\.(?:user|db)\b|\bsys\.(?:tables|objects|columns|databases|schemas|sql_logins)\b|@@(?:version|datadir|hostname|basedir|servername)\b/,
  ),
  regexRule(
    sqli("sqli-010", "database functions that read files, run commands or leak data in errors"),
    "compact",
    ["load_file", "extractvalue", "updatexml", "utl_", "lo_", "sp_", "xp_", "into"],
    /\b(?:load_file|extractvalue|updatexml|utl_http\.request|utl_inaddr\.get_host_address|lo_import|lo_export|sp_oacreate|sp_executesql)\s*\(|\b(?:xp_cmdshell|xp_dirtree|xp_regread|sp_makewebtask)\b|\binto\s+(?:out|dump)file\s+['"]/,
  ),
  regexRule(
    sqli("sqli-011", "subquery after a closing quote: ' and (select, ' and ascii(substring((select"),
    "compact",
    ["select"],
    new RegExp(String.raw`${CLOSE}\s*(?:${BOOL}|\+)\s*[\w(]{0,40}?\(\s*select\b`),
  ),
  regexRule(
    sqli("sqli-012", "column-count and clause probing: ' order by 5--, ' having 1=1"),
    "compact",
    ["by", "having"],
    /['"\d]\)*\s*(?:(?:order|group)\s+by\s+\d{1,3}\s*(?:--|#|\/\*|$)|having\s+\S{1,32}?\s*(?:=|<|>))/,
  ),
  regexRule(
    sqli("sqli-013", "character-code obfuscation: char(117,110,105), concat(0x...)"),
    "compact",
    ["char", "chr", "concat"],
    /\b(?:char|nchar|chr)\s*\(\s*\d{1,3}\s*(?:,\s*\d{1,3}\s*){2,}\)|\bconcat(?:_ws)?\s*\([^)]{0,64}0x[0-9a-f]{2}/,
  ),
];
