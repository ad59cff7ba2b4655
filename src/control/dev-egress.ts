// What a dev deploy may not grant: egress to a named private, loopback, link-local or metadata
// address. The broker refuses such addresses unless a grant names one exactly, and in prod that is
// the operator's call (a prod deploy needs the operator role and a fresh second factor). A dev
// deploy needs neither: without this rule a developer could grant dev code "10.0.0.5:5432" and reach
// production's database from the dev stage, around the separation of duties stages exist for.
import { isIP } from "node:net";
import { BulwarkError } from "../core/errors.ts";
import type { Manifest } from "../core/manifest/types.ts";
import { parseEgressGrant } from "../core/policy/egress-grant.ts";
import { blockedReason } from "../core/blocked-addresses.ts";
import { unbracketed } from "../core/ipaddr.ts";

export function refusePrivateEgressInDev(manifest: Manifest): void {
  for (const fn of Object.values(manifest.functions)) {
    for (const text of fn.permissions?.egress ?? []) {
      const grant = parseEgressGrant(text);
      if (grant === null || grant.wildcard) continue;
      const host = unbracketed(grant.host);
      // A host name never reaches such an address: the broker refuses it after resolving.
      if (isIP(host) === 0) continue;
      const reason = blockedReason(host);
      if (reason === null) continue;
      throw new BulwarkError(
        "BWK_MANIFEST_INVALID",
        `functions.${fn.name}.permissions.egress: "${grant.text}" is a ${reason} address; the dev stage may reach only public hosts (a prod deploy, by an operator, may grant it)`,
      );
    }
  }
}
