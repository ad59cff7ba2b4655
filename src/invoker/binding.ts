// Which function version a sandbox belongs to. Set by the invoker when it claims a sandbox; read by
// the log sink and the broker for everything arriving on that sandbox's channel.
export interface SandboxOwner {
  function: string;
  version: number;
  /** Under tenant isolation, the one tenant this sandbox serves for its whole life. */
  tenant?: string;
}

export interface SandboxBinding {
  owner: SandboxOwner | undefined;
}
