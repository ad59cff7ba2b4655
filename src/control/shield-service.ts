// Assembles the edge's protection for the platform: the shield the stages read, the threat-intel
// feeds behind its deny list, and the app-wide settings (limits, network) of the last deploy.
import type { DatabaseSync } from "node:sqlite";
import type { Manifest } from "../core/manifest/types.ts";
import { EdgeShield } from "../edge/shield.ts";
import type { SecurityEventRecorder } from "../security/recorder.ts";
import type { ProtectionSettings, ProtectionSettingsStore } from "../store/protection-settings.ts";
import { SqliteIntelStore } from "../store/sqlite/intel.ts";
import { SqliteProtectionSettingsStore } from "../store/sqlite/protection-settings.ts";
import { ThreatIntel } from "./intel.ts";

/** Default deadline for a request body (`up --body-timeout`). */
export const DEFAULT_BODY_TIMEOUT_MS = 10_000;

export interface ShieldService {
  shield: EdgeShield;
  intel: ThreatIntel;
  settings: ProtectionSettingsStore;
}

export function openShield(db: DatabaseSync, events: SecurityEventRecorder, config: { bodyLimitBytes: number; bodyTimeoutMs?: number }): ShieldService {
  const shield = new EdgeShield({ bodyLimitBytes: config.bodyLimitBytes, bodyTimeoutMs: config.bodyTimeoutMs ?? DEFAULT_BODY_TIMEOUT_MS });
  // Failed authentications spend the address's failure budget (rate-limits.ts).
  events.subscribe((batch) => shield.onSecurityEvents(batch));
  const intel = new ThreatIntel(new SqliteIntelStore(db), shield);
  intel.apply();
  return { shield, intel, settings: new SqliteProtectionSettingsStore(db) };
}

/** The app-wide part of a manifest's protection, saved with a deploy. */
export function protectionSettings(manifest: Manifest): ProtectionSettings {
  return { ...(manifest.limits ? { limits: manifest.limits } : {}), ...(manifest.network ? { network: manifest.network } : {}) };
}
