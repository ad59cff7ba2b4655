// The broker-call history port: counted (function, action, resource, allowed) tuples, what
// `policy suggest` and `policy lint` learn from.

export interface CallCount {
  function: string;
  action: string;
  resource: string;
  allowed: boolean;
  count: number;
  lastAt: string;
}

export interface CallLogStore {
  /** Adds counts in one transaction; returns how many new tuples were dropped at the store's bound. */
  add(batch: readonly CallCount[]): number;
  calls(fn: string): CallCount[];
}
