// A dev deploy cannot grant egress to a named private, loopback, link-local or metadata address:
// the way around the broker's SSRF refusal is an operator's prod deploy, not a developer's dev one.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { refusePrivateEgressInDev } from "../../src/control/dev-egress.ts";
import { parseManifest } from "../../src/core/manifest/parse.ts";

function withEgress(grants: string[]) {
  const yaml = ["app: shop", "functions:", "  pay:", "    handler: pay.ts", "    permissions:", `      egress: [${grants.map((g) => JSON.stringify(g)).join(", ")}]`, ""].join("\n");
  return parseManifest(yaml, "bulwark.yaml").manifest;
}

describe("refusePrivateEgressInDev", () => {
  it("attack: refuses private, loopback, metadata and IPv4-in-IPv6 addresses, naming the field", () => {
    for (const grant of ["10.0.0.5:5432", "127.0.0.1:8080", "169.254.169.254:80", "[::1]:443", "[::ffff:192.168.1.1]:443", "[fd00::1]:5432"]) {
      assert.throws(() => refusePrivateEgressInDev(withEgress([grant])), (e: { code: string; message: string }) => {
        assert.equal(e.code, "BWK_MANIFEST_INVALID");
        assert.match(e.message, /^functions\.pay\.permissions\.egress: /);
        return true;
      }, grant);
    }
  });

  it("lets public addresses and host names through (the broker checks what names resolve to)", () => {
    refusePrivateEgressInDev(withEgress(["psp.example.com:443", "*.example.org:443", "8.8.8.8:53", "[2606:4700::1111]:443", "localhost:8080"]));
  });
});
