// The quarantine port: which functions an operator (or, later, an automatic response) has taken
// out of service, per stage, and why. A quarantined function runs no code until it is released;
// the control plane's Quarantine service (control/quarantine.ts) enforces that. One interface
// here; adapters live in sqlite/ (and postgres/ for scale-out).

export interface QuarantineEntry {
  stage: string;
  function: string;
  /** Why, as the operator gave it: shown to operators, never to callers. */
  reason: string;
  /** The audit actor id of whoever quarantined it. */
  by: string;
  /** ISO 8601. */
  at: string;
}

export interface QuarantineStore {
  /** Quarantines the function, or replaces its entry (a new reason) when it already is. */
  put(entry: QuarantineEntry): void;
  /** Lifts the quarantine; false when the function was not quarantined. */
  remove(stage: string, fn: string): boolean;
  /** Every entry, ordered by stage and function. */
  list(): QuarantineEntry[];
}
