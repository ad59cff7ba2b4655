// Assembles the edge's protection: per stage, the shield its edge reads and the app-wide settings
// (limits, network) of its last deploy; for the platform, the threat-intel feeds behind every
// stage's deny list (an address known to attack is refused by dev and prod alike).
import type { DatabaseSync } from "node:sqlite";
import type { Manifest } from "../core/manifest/types.ts";
import { EdgeShield, type ShieldConfig } from "../edge/shield.ts";
import type { SecurityEventRecorder } from "../security/recorder.ts";
import type { ProtectionSettings, ProtectionSettingsStore } from "../store/protection-settings.ts";
import { SqliteIntelStore } from "../store/sqlite/intel.ts";
import { SqliteProtectionSettingsStore } from "../store/sqlite/protection-settings.ts";
import { ThreatIntel } from "./intel.ts";

/** Default deadline for a request body (`up --body-timeout`). */
export const DEFAULT_BODY_TIMEOUT_MS = 10_000;

export interface ShieldService {
  shield: EdgeShield;
  settings: ProtectionSettingsStore;
}

/** A stage's shield, and its protection settings in the stage's database. */
export function openShield(
  db: DatabaseSync,
  events: Pick<SecurityEventRecorder, "subscribe">,
  config: { bodyLimitBytes: number; bodyTimeoutMs?: number; overrideRate?: ShieldConfig["overrideRate"] },
): ShieldService {
  const shield = new EdgeShield({
    bodyLimitBytes: config.bodyLimitBytes,
    bodyTimeoutMs: config.bodyTimeoutMs ?? DEFAULT_BODY_TIMEOUT_MS,
    ...(config.overrideRate && { overrideRate: config.overrideRate }),
  });
  // Failed authentications spend the address's failure budget (rate-limits.ts), in every stage.
  events.subscribe((batch) => shield.onSecurityEvents(batch));
  return { shield, settings: new SqliteProtectionSettingsStore(db) };
}

/** The platform's threat intel (in the main database), applied to every stage's shield. */
export function openIntel(db: DatabaseSync, shields: readonly EdgeShield[]): ThreatIntel {
  const intel = new ThreatIntel(new SqliteIntelStore(db), { setIntel: (indicators) => shields.forEach((s) => s.setIntel(indicators)) });
  intel.apply();
  return intel;
}

/** The app-wide part of a manifest's protection, saved with a deploy. */
export function protectionSettings(manifest: Manifest): ProtectionSettings {
  return { ...(manifest.limits ? { limits: manifest.limits } : {}), ...(manifest.network ? { network: manifest.network } : {}) };
}
