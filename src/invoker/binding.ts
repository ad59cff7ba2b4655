// Which function version a sandbox belongs to. Set by the invoker when it claims a sandbox; read by
// the log sink and the broker for everything arriving on that sandbox's channel.
export interface SandboxOwner {
  function: string;
  version: number;
}

export interface SandboxBinding {
  owner: SandboxOwner | undefined;
}
