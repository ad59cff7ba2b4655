// A version's signed artifacts: its SBOM (CycloneDX 1.5 JSON, `bulwark sbom`) and the scan report
// its deploy passed the gate with. Both are checked against the version's signature when read.
// Versions are per stage, and so are their artifacts (`?stage=dev|prod`, default prod).
import { BulwarkError } from "../../core/errors.ts";
import { everyStage, type ControlRequest, type ControlRoute } from "../route.ts";

export const artifactRoutes: ControlRoute[] = [
  {
    method: "GET",
    pattern: /^\/v1\/functions\/([^/]+)\/sbom$/,
    action: everyStage("functions.list"),
    target: (r) => `function:${r.params[0]}`,
    handle: (r) => r.platform.stage(r.stage).artifacts.document(r.params[0]!, versionOf(r), "sbom"),
  },
  {
    method: "GET",
    pattern: /^\/v1\/functions\/([^/]+)\/scan$/,
    action: everyStage("functions.list"),
    target: (r) => `function:${r.params[0]}`,
    handle: (r) => r.platform.stage(r.stage).artifacts.document(r.params[0]!, versionOf(r), "scan-report"),
  },
];

function versionOf(r: ControlRequest): number | undefined {
  const v = r.url.searchParams.get("version");
  if (v === null) return undefined;
  if (!/^[1-9]\d{0,8}$/.test(v)) throw new BulwarkError("BWK_INVALID_ARGUMENT", "version must be a positive whole number");
  return Number(v);
}
