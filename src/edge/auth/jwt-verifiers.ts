// The JWT verifiers of the serving versions, rebuilt at every deploy and rollback. A verifier
// whose config did not change is kept, so a redeploy keeps its cached JWKS.
import type { FunctionVersion } from "../../store/state.ts";
import { JwtVerifier, type JwtVerifierOptions } from "./jwt-verifier.ts";

export class JwtVerifiers {
  readonly #options: JwtVerifierOptions;
  #byConfig = new Map<string, JwtVerifier>();
  #byFunction = new Map<string, JwtVerifier>();

  constructor(options: JwtVerifierOptions) {
    this.#options = options;
  }

  update(active: readonly FunctionVersion[]): void {
    const byConfig = new Map<string, JwtVerifier>();
    const byFunction = new Map<string, JwtVerifier>();
    for (const v of active) {
      if (v.spec.jwt === undefined) continue;
      const key = JSON.stringify(v.spec.jwt);
      const verifier = byConfig.get(key) ?? this.#byConfig.get(key) ?? new JwtVerifier(v.spec.jwt, this.#options);
      byConfig.set(key, verifier);
      byFunction.set(v.function, verifier);
    }
    this.#byConfig = byConfig;
    this.#byFunction = byFunction;
  }

  forFunction(fn: string): JwtVerifier | undefined {
    return this.#byFunction.get(fn);
  }
}
