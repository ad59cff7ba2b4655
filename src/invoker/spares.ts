// Pre-started empty sandboxes. A cold start takes one and hands it a bundle instead of starting a
// process, which is most of the cold-start cost (DESIGN.md, "Fast and still isolated").
// Each spare is started with a binding whose owner is set when a function claims it: the channel a
// call arrives on is what tells the broker who is calling.
import type { Sandbox, SandboxProfile } from "../sandbox/sandbox.ts";
import type { SandboxBinding } from "./binding.ts";

export type StartSandbox = (profile: SandboxProfile, binding: SandboxBinding) => Promise<Sandbox>;

interface Spare {
  sandbox: Promise<Sandbox>;
  binding: SandboxBinding;
}

export class SparePool {
  readonly #start: StartSandbox;
  readonly #perProfile: number;
  readonly #spares = new Map<string, Spare[]>();
  #wanted = new Map<string, SandboxProfile>();
  #closed = false;

  constructor(start: StartSandbox, perProfile: number) {
    this.#start = start;
    this.#perProfile = perProfile;
  }

  /** Keeps spares ready for these profiles only. */
  setProfiles(profiles: SandboxProfile[]): void {
    this.#wanted = new Map(profiles.map((p) => [profileKey(p), p]));
    for (const [key, spares] of this.#spares) {
      if (!this.#wanted.has(key)) {
        this.#spares.delete(key);
        for (const s of spares) void s.sandbox.then((sb) => sb.kill(), () => {});
      }
    }
    for (const key of this.#wanted.keys()) this.#fill(key);
  }

  /** A started, empty sandbox for this profile, bound to `binding`. */
  async take(profile: SandboxProfile, binding: SandboxBinding): Promise<Sandbox> {
    const key = profileKey(profile);
    const spares = this.#spares.get(key) ?? [];
    while (spares.length > 0) {
      const spare = spares.shift()!;
      this.#fill(key);
      const sandbox = await spare.sandbox.catch(() => undefined);
      if (sandbox?.alive) {
        spare.binding.owner = binding.owner;
        return sandbox;
      }
    }
    this.#fill(key);
    return this.#start(profile, binding);
  }

  async close(): Promise<void> {
    this.#closed = true;
    const all = [...this.#spares.values()].flat();
    this.#spares.clear();
    await Promise.all(all.map((s) => s.sandbox.then((sb) => sb.kill(), () => {})));
  }

  #fill(key: string): void {
    const profile = this.#wanted.get(key);
    if (!profile || this.#closed || this.#perProfile === 0) return;
    const spares = this.#spares.get(key) ?? [];
    this.#spares.set(key, spares);
    while (spares.length < this.#perProfile) {
      const binding: SandboxBinding = { owner: undefined };
      const sandbox = this.#start(profile, binding);
      const spare = { sandbox, binding };
      // A spare that fails to start or dies unclaimed is dropped; the next take starts afresh.
      sandbox.then(
        (sb) => sb.onExit(() => remove(spares, spare)),
        () => remove(spares, spare),
      );
      spares.push(spare);
    }
  }
}

export function profileKey(p: SandboxProfile): string {
  return `${p.memoryBytes}:${p.childProcesses ? 1 : 0}:${p.tmpWrite ? 1 : 0}`;
}

function remove<T>(list: T[], item: T): void {
  const i = list.indexOf(item);
  if (i >= 0) list.splice(i, 1);
}
