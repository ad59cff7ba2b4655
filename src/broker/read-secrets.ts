// Secret values functions have read since the platform started: what the log redactor masks in
// function logs and failure messages. Bounded; when full the oldest value is forgotten (it may
// still be masked by the credential-shape rules of security/redact.ts).
const MAX_VALUES = 10_000;

export class ReadSecrets {
  readonly #values = new Set<string>();

  add(value: string): void {
    if (this.#values.has(value)) return;
    if (this.#values.size >= MAX_VALUES) {
      const oldest = this.#values.values().next().value;
      if (oldest !== undefined) this.#values.delete(oldest);
    }
    this.#values.add(value);
  }

  values(): Iterable<string> {
    return this.#values;
  }
}
