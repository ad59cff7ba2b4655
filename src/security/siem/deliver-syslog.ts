// Delivers a batch of octet-counted syslog frames over TCP (RFC 6587) or TLS (RFC 5425).
//
// Syslog has no application-level acknowledgement, so this guarantee is weaker than the HTTPS
// sink's 2xx: a batch counts as delivered when every byte was written and flushed to the kernel,
// our side was closed (FIN, after a TLS close_notify) and the receiver closed its side in turn
// without a reset or error. A receiver closes after reading to end-of-stream, so its close means
// it read the batch, but not that it stored it: a receiver that crashes after reading loses those
// messages. A receiver that never closes is given closeWaitMs and then counts as having the batch.
// One connection per batch keeps this simple and means a dead receiver is seen at connect time,
// never as bytes silently queued on a half-dead connection.

import net from "node:net";
import tls from "node:tls";

export interface SyslogTarget {
  host: string;
  port: number;
  tls: boolean;
  ca?: string;
  /** Resolves the host and refuses addresses a sink may not reach (destination.ts). */
  lookup: net.LookupFunction;
}

export function sendFrames(target: SyslogTarget, frames: Buffer, signal: AbortSignal, closeWaitMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new Error("aborted"));
    const socket = connect(target);
    let flushed = false;
    let settled = false;
    let closeWait: NodeJS.Timeout | undefined;
    const finish = (error?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(closeWait);
      signal.removeEventListener("abort", onAbort);
      socket.destroy();
      if (error !== undefined) reject(error);
      else resolve();
    };
    const onAbort = () => finish(new Error("aborted"));
    signal.addEventListener("abort", onAbort, { once: true });
    socket.once(target.tls ? "secureConnect" : "connect", () => {
      socket.end(frames, () => {
        flushed = true;
        closeWait = setTimeout(() => finish(), closeWaitMs);
      });
    });
    socket.on("data", () => {}); // a receiver may send nothing back; anything it does send is ignored
    socket.on("error", (e: Error & { code?: string }) => finish(new Error(e.code !== undefined ? `${e.code}: ${e.message}` : e.message)));
    socket.on("close", (hadError) => {
      if (hadError) return; // 'error' already settled it
      finish(flushed ? undefined : new Error("connection closed before the batch was written"));
    });
  });
}

function connect(target: SyslogTarget): net.Socket {
  if (!target.tls) return net.connect({ host: target.host, port: target.port, lookup: target.lookup });
  return tls.connect({
    host: target.host,
    port: target.port,
    lookup: target.lookup,
    // SNI and the certificate name check use the configured host (RFC 5425 §5.2, RFC 6125).
    ...(net.isIP(target.host) === 0 ? { servername: target.host } : {}),
    rejectUnauthorized: true,
    minVersion: "TLSv1.2",
    ...(target.ca !== undefined ? { ca: target.ca } : {}),
  });
}
