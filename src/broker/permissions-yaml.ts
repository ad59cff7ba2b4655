// A permissions block as manifest YAML, ready to paste under a function: lists in flow style,
// one line per namespace, egress targets quoted (they hold a colon). Every name was checked
// against the grant grammar (core/policy/names.ts), so none needs escaping beyond that.
import type { Permissions } from "../core/policy/index.ts";

export function permissionsYaml(permissions: Permissions, indent = ""): string {
  const lines = [`${indent}permissions:`];
  const at = `${indent}  `;
  if (permissions.secrets) lines.push(`${at}secrets: [${permissions.secrets.join(", ")}]`);
  for (const section of ["kv", "objects"] as const) {
    const map = permissions[section];
    if (map === undefined) continue;
    lines.push(`${at}${section}:`);
    for (const [name, rights] of Object.entries(map)) lines.push(`${at}  ${name}: [${rights.join(", ")}]`);
  }
  if (permissions.invoke) lines.push(`${at}invoke: [${permissions.invoke.join(", ")}]`);
  if (permissions.egress) lines.push(`${at}egress: [${permissions.egress.map((t) => JSON.stringify(t)).join(", ")}]`);
  if (lines.length === 1) lines[0] = `${indent}permissions: {}`;
  return `${lines.join("\n")}\n`;
}
