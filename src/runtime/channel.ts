// The runtime's end of the channel: fd 3, a UNIX socket the platform created. Frames are the
// ones of ../sandbox/protocol.ts; calls are numbered and answered by {t:"reply"} frames.

import { Socket } from "node:net";
import { FrameDecoder, FrameWriter, encodeFrame } from "../sandbox/protocol.ts";
import type { HostMessage, SandboxMessage, WireError } from "../sandbox/protocol.ts";
import { errorFromWire } from "./errors.ts";

const CHANNEL_FD = 3;

export class RuntimeChannel {
  readonly #socket = new Socket({ fd: CHANNEL_FD, readable: true, writable: true });
  readonly #decoder = new FrameDecoder();
  readonly #writer = new FrameWriter(this.#socket);
  readonly #pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  #nextCallId = 1;

  constructor(onMessage: (message: HostMessage) => void) {
    this.#socket.on("data", (chunk: Buffer) => {
      for (const message of this.#decoder.push(chunk) as HostMessage[]) {
        if (message.t === "reply") this.#settle(message);
        else onMessage(message);
      }
    });
    // Without the platform there is nothing left to do.
    this.#socket.on("close", () => process.exit(0));
    this.#socket.on("error", () => process.exit(0));
  }

  /**
   * Sends one frame; throws (TypeError, FrameError) if the message cannot be encoded. Frames sent
   * in one turn of the event loop (results of invocations that ended together) leave in one write.
   */
  send(message: SandboxMessage): void {
    this.#writer.write(encodeFrame(message));
  }

  /** A broker call made for invocation `inv` (null outside one). */
  call(inv: string | null, op: string, args: unknown[]): Promise<unknown> {
    const id = this.#nextCallId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      try {
        this.send({ t: "call", id, inv, op, args });
      } catch (e) {
        this.#pending.delete(id);
        reject(e);
      }
    });
  }

  /** Flushes what was sent, then ends the process. */
  exit(code: number): void {
    this.#socket.end(() => process.exit(code));
    setTimeout(() => process.exit(code), 1000).unref();
  }

  #settle(reply: { id: number; ok: true; value: unknown } | { id: number; ok: false; error: WireError }): void {
    const pending = this.#pending.get(reply.id);
    if (pending === undefined) return;
    this.#pending.delete(reply.id);
    if (reply.ok) pending.resolve(reply.value);
    else pending.reject(errorFromWire(reply.error));
  }
}
