// The app-wide edge protection of the last deploy (rate limits, IP lists): settings of the app, not
// of one function version, so a rollback of one function leaves them as they are.
import type { AppLimits, NetworkLists } from "../core/manifest/protection.ts";

export interface ProtectionSettings {
  limits?: AppLimits;
  network?: NetworkLists;
}

export interface ProtectionSettingsStore {
  load(): ProtectionSettings;
  save(settings: ProtectionSettings): void;
}
