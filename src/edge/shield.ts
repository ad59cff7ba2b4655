// The edge's protection, compiled where it changes and read per request: the WAF (compiled once),
// the IP filter (manifest lists + live threat intel, swapped whole on a deploy or an import), the
// rate-limit buckets, and per route its body limit, accepted media types, WAF mode, input
// validator and route bucket (rebuilt per deploy next to the router, never per request).
import type { ValidateFunction } from "ajv";
import { compileIpFilter, type IpFilter } from "../core/ipfilter.ts";
import type { HttpTrigger, Manifest } from "../core/manifest/types.ts";
import { PROTECTION_DEFAULTS, type RateLimit, type WafMode } from "../core/manifest/protection.ts";
import { RepeatSampler } from "../core/repeat-sampler.ts";
import { compileWaf, type Waf } from "../core/waf/index.ts";
import type { SecurityEvent } from "../security/events.ts";
import type { IntelIndicator } from "../store/intel.ts";
import type { ProtectionSettings } from "../store/protection-settings.ts";
import type { FunctionVersion } from "../store/state.ts";
import type { Exchange } from "./exchange.ts";
import { InputSchemas } from "./input-schema.ts";
import { RateLimits, RouteBucket } from "./rate-limits.ts";

export interface RoutePolicy {
  maxBodyBytes: number;
  /** "any" media type, "json" only (a route with input), or the route's declared ranges. */
  accepts: "any" | "json" | readonly string[];
  waf: WafMode;
  input?: { file: string; validate: ValidateFunction };
  bucket?: RouteBucket;
}

export interface ShieldConfig {
  /** Body limit of routes that set no maxBody. */
  bodyLimitBytes: number;
  /** The whole body must have arrived this long after the request did (slowloris, CWE-400). */
  bodyTimeoutMs: number;
  /** An operator's rate override of a function, checked on each of its routes (`bulwark limits`). */
  overrideRate?(fn: string): RateLimit | undefined;
}

export class EdgeShield {
  readonly waf: Waf = compileWaf();
  /** Floods of identical refusals (rate limits, denied addresses) become one event per window. */
  readonly repeats = new RepeatSampler();
  readonly bodyTimeoutMs: number;
  readonly #bodyLimitBytes: number;
  readonly #overrideRate: (fn: string) => RateLimit | undefined;
  /** Override buckets by function, made on first use and replaced when the rate changes. */
  readonly #overrides = new Map<string, RouteBucket>();
  readonly #schemas = new InputSchemas();
  #settings: ProtectionSettings = {};
  #intel: readonly IntelIndicator[] = [];
  #ipFilter: IpFilter = compileIpFilter({});
  #rates = new RateLimits(undefined);
  #routes = new Map<HttpTrigger, RoutePolicy>();
  /** Route buckets by function, route and rate: a redeploy that keeps them keeps their tokens. */
  #buckets = new Map<string, RouteBucket>();
  /** The policy each request started with, so a deploy mid-request does not switch it halfway. */
  readonly #memo = new WeakMap<Exchange, RoutePolicy>();

  constructor(config: ShieldConfig) {
    this.#bodyLimitBytes = config.bodyLimitBytes;
    this.bodyTimeoutMs = config.bodyTimeoutMs;
    this.#overrideRate = config.overrideRate ?? (() => undefined);
  }

  get ipFilter(): IpFilter {
    return this.#ipFilter;
  }

  get rates(): RateLimits {
    return this.#rates;
  }

  /** The deploy's check: every input schema compiles, or the deploy fails naming the file. */
  check(manifest: Manifest): void {
    for (const fn of Object.values(manifest.functions)) {
      for (const t of fn.triggers) if (t.input !== undefined) this.#schemas.compile(t.input, t.inputSchema ?? { not: {} });
    }
  }

  /** Rebuilds the per-route policies for the serving versions and the app's settings. */
  refresh(versions: readonly FunctionVersion[], settings: ProtectionSettings): void {
    const routes = new Map<HttpTrigger, RoutePolicy>();
    const buckets = new Map<string, RouteBucket>();
    const validators = new Set<ValidateFunction>();
    for (const v of versions) {
      for (const trigger of v.spec.triggers) {
        const policy = this.#policyOf(v.function, trigger, buckets);
        if (policy.input) validators.add(policy.input.validate);
        routes.set(trigger, policy);
      }
    }
    const rates = new RateLimits(settings.limits);
    if (rates.signature !== this.#rates.signature) this.#rates = rates;
    this.#routes = routes;
    this.#buckets = buckets;
    this.#schemas.retainOnly(validators);
    this.#settings = settings;
    this.#ipFilter = this.#compileIpFilter();
  }

  /** Replaces the threat-intel part of the deny list (after an import, a removal or at start). */
  setIntel(indicators: readonly IntelIndicator[]): void {
    this.#intel = indicators;
    this.#ipFilter = this.#compileIpFilter();
  }

  /** The matched route's policy, fixed for the request at its first call. */
  policy(x: Exchange): RoutePolicy {
    let policy = this.#memo.get(x);
    if (policy === undefined) {
      policy = this.#routes.get(x.route!.trigger) ?? this.#policyOf(x.route!.function, x.route!.trigger, this.#buckets);
      this.#memo.set(x, policy);
    }
    return policy;
  }

  /** The function's override bucket while an operator has set a rate for it. */
  overrideBucket(fn: string): RouteBucket | undefined {
    const rate = this.#overrideRate(fn);
    if (rate === undefined) {
      this.#overrides.delete(fn);
      return undefined;
    }
    let bucket = this.#overrides.get(fn);
    if (bucket?.rate.text !== rate.text) {
      bucket = new RouteBucket(rate, "override");
      this.#overrides.set(fn, bucket);
    }
    return bucket;
  }

  /** Failed authentications spend their address's failure budget (auth.failure events carry it). */
  onSecurityEvents(events: readonly SecurityEvent[]): void {
    for (const e of events) {
      if (e.type === "auth.failure" && e.clientIp !== undefined) this.#rates.noteAuthFailure(e.clientIp, Date.now());
    }
  }

  #policyOf(fn: string, trigger: HttpTrigger, buckets: Map<string, RouteBucket>): RoutePolicy {
    const policy: RoutePolicy = {
      maxBodyBytes: trigger.maxBodyBytes ?? this.#bodyLimitBytes,
      accepts: trigger.input !== undefined ? "json" : (trigger.contentTypes ?? "any"),
      waf: trigger.waf ?? PROTECTION_DEFAULTS.waf,
    };
    if (trigger.input !== undefined) {
      // A route with input and no schema attached cannot be checked: `not: {}` refuses every body.
      policy.input = { file: trigger.input, validate: this.#schemas.compile(trigger.input, trigger.inputSchema ?? { not: {} }) };
    }
    if (trigger.rateLimit !== undefined) {
      const key = `${fn}\n${trigger.method} ${trigger.path}\n${JSON.stringify(trigger.rateLimit)}`;
      const bucket = buckets.get(key) ?? this.#buckets.get(key) ?? new RouteBucket(trigger.rateLimit);
      buckets.set(key, bucket);
      policy.bucket = bucket;
    }
    return policy;
  }

  #compileIpFilter(): IpFilter {
    const network = this.#settings.network ?? {};
    const intel = this.#intel.map((i) => ({
      cidr: i.cidr,
      source: i.source.startsWith(`${i.feed}:`) ? i.source : `${i.feed}:${i.source}`,
      ...(i.expiresAt === null ? {} : { expiresAt: i.expiresAt }),
    }));
    return compileIpFilter({ allow: network.allow ?? [], deny: [...(network.deny ?? []).map((cidr) => ({ cidr, source: "manifest" })), ...intel] });
  }
}
