// `bulwark policy suggest`: the smallest permissions block that covers a recorded set of calls.
// Deterministic: names sorted by code unit (not locale), rights in RIGHTS order, empty sections
// left out, so the same calls always print the same YAML. A call that no grant could cover
// (unknown action, malformed resource) is skipped: it is noise or an attack, not a need.

import { RESOURCES } from "./resource.ts";
import { ACTIONS, isAction, type Permissions, type RecordedCall, type Right, RIGHTS } from "./types.ts";

export function minimalPermissions(calls: readonly RecordedCall[]): Permissions {
  const lists = { secrets: new Set<string>(), invoke: new Set<string>(), egress: new Set<string>() };
  const maps = { kv: new Map<string, Set<Right>>(), objects: new Map<string, Set<Right>>() };
  for (const { action, resource } of calls) {
    if (!isAction(action)) continue;
    const spec = ACTIONS[action];
    if (!RESOURCES[spec.section].valid(resource)) continue;
    if ("right" in spec) {
      const rights = maps[spec.section].get(resource) ?? new Set<Right>();
      maps[spec.section].set(resource, rights.add(spec.right));
    } else {
      lists[spec.section].add(resource);
    }
  }

  const block: { -readonly [K in keyof Permissions]: Permissions[K] } = {};
  if (lists.secrets.size > 0) block.secrets = sorted(lists.secrets);
  if (maps.kv.size > 0) block.kv = rightsBlock(maps.kv);
  if (maps.objects.size > 0) block.objects = rightsBlock(maps.objects);
  if (lists.invoke.size > 0) block.invoke = sorted(lists.invoke);
  if (lists.egress.size > 0) block.egress = sorted(lists.egress);
  return block;
}

function sorted(names: Iterable<string>): string[] {
  return [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function rightsBlock(map: Map<string, Set<Right>>): Record<string, Right[]> {
  return Object.fromEntries(sorted(map.keys()).map((name) => [name, RIGHTS.filter((r) => map.get(name)?.has(r))]));
}
