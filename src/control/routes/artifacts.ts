// A version's signed artifacts: its SBOM (CycloneDX 1.5 JSON, `bulwark sbom`) and the scan report
// its deploy passed the gate with. Both are checked against the version's signature when read.
import { BulwarkError } from "../../core/errors.ts";
import type { ControlRequest, ControlRoute } from "../route.ts";

export const artifactRoutes: ControlRoute[] = [
  {
    method: "GET",
    pattern: /^\/v1\/functions\/([^/]+)\/sbom$/,
    action: "functions.list",
    target: (r) => `function:${r.params[0]}`,
    handle: (r) => r.platform.artifacts.document(r.params[0]!, versionOf(r), "sbom"),
  },
  {
    method: "GET",
    pattern: /^\/v1\/functions\/([^/]+)\/scan$/,
    action: "functions.list",
    target: (r) => `function:${r.params[0]}`,
    handle: (r) => r.platform.artifacts.document(r.params[0]!, versionOf(r), "scan-report"),
  },
];

function versionOf(r: ControlRequest): number | undefined {
  const v = r.url.searchParams.get("version");
  if (v === null) return undefined;
  if (!/^[1-9]\d{0,8}$/.test(v)) throw new BulwarkError("BWK_INVALID_ARGUMENT", "version must be a positive whole number");
  return Number(v);
}
