// The one protocol between the platform and a sandbox: length-prefixed JSON frames on the
// sandbox's channel (fd 3 inside the sandbox, a UNIX socket). This file is also bundled into the
// sandbox runtime, so it imports nothing but types (erased when bundled).
//
// Frame: 4-byte big-endian payload length, then that many bytes of UTF-8 JSON. The length is
// bounded: a sandbox is untrusted, and a frame larger than MAX_FRAME_BYTES ends the channel.

import type { Identity } from "../sdk/index.ts";

export const MAX_FRAME_BYTES = 8 * 1024 * 1024;

/** Error as it crosses the channel. `code` is a platform error code for broker refusals. */
export interface WireError {
  name: string;
  message: string;
  code?: string;
}

// The verified identity is the SDK's type: what the platform hands over is what authors see.
export type { Identity };

/** What the handler's ctx is built from; never anything the function can influence. */
export interface InvocationContext {
  requestId: string;
  functionName: string;
  version: string;
  /** Epoch milliseconds after which the platform kills the sandbox. */
  deadline: number;
  identity?: Identity;
  caller?: { function: string };
}

export type LogLevel = "debug" | "info" | "warn" | "error";

/** Platform → sandbox. */
export type HostMessage =
  | { t: "load"; bundle: string; export: string }
  | { t: "invoke"; id: string; event: unknown; context: InvocationContext }
  | { t: "reply"; id: number; ok: true; value: unknown }
  | { t: "reply"; id: number; ok: false; error: WireError };

/** Sandbox → platform. */
export type SandboxMessage =
  | { t: "ready" }
  | { t: "loaded" }
  | { t: "load-failed"; error: WireError }
  | { t: "result"; id: string; ok: true; value: unknown }
  | { t: "result"; id: string; ok: false; error: WireError }
  | { t: "log"; id: string | null; level: LogLevel; msg: string }
  /** `inv`: the invocation the call is made for (the runtime may run several at once); null outside one. */
  | { t: "call"; id: number; inv: string | null; op: string; args: unknown[] };

export class FrameError extends Error {
  override name = "FrameError";
}

export function encodeFrame(message: HostMessage | SandboxMessage): Buffer {
  const json = JSON.stringify(message);
  // Encoded once, straight after the length: no intermediate buffer to copy from.
  const length = Buffer.byteLength(json, "utf8");
  if (length > MAX_FRAME_BYTES) throw new FrameError(`frame of ${length} bytes exceeds ${MAX_FRAME_BYTES}`);
  const frame = Buffer.allocUnsafe(4 + length);
  frame.writeUInt32BE(length, 0);
  frame.write(json, 4, length, "utf8");
  return frame;
}

/**
 * Writes frames to the channel. Frames are held until the current turn of the event loop ends
 * (setImmediate runs right after the poll phase, so a lone frame waits only for the callbacks of
 * that turn) and leave together in one write: under load, one system call and one wake-up of the
 * other side for many frames. On this project's 2-vCPU VM each wake-up of a process on the other
 * vCPU is what costs most; measured against sending the first frame of a turn at once and holding
 * only the rest: sandbox CPU per request 44 → 29 µs (shared sandbox) and 142 → 116 µs (one
 * invocation per sandbox), throughput at 16 connections +10–25 %.
 */
export class FrameWriter {
  readonly #stream: { write(chunk: Buffer): boolean; cork(): void; uncork(): void };
  #batching = false;

  constructor(stream: { write(chunk: Buffer): boolean; cork(): void; uncork(): void }) {
    this.#stream = stream;
  }

  write(frame: Buffer): void {
    if (!this.#batching) {
      this.#batching = true;
      this.#stream.cork();
      setImmediate(this.#flush);
    }
    this.#stream.write(frame);
  }

  readonly #flush = (): void => {
    this.#batching = false;
    this.#stream.uncork();
  };
}

/** Reassembles frames from stream chunks. Throws FrameError on an oversized frame or bad JSON. */
export class FrameDecoder {
  #buffered: Buffer[] = [];
  #length = 0;

  push(chunk: Buffer): unknown[] {
    this.#buffered.push(chunk);
    this.#length += chunk.length;
    const messages: unknown[] = [];
    while (this.#length >= 4) {
      const head = this.#peek(4);
      const size = head.readUInt32BE(0);
      if (size > MAX_FRAME_BYTES) throw new FrameError(`frame of ${size} bytes exceeds ${MAX_FRAME_BYTES}`);
      if (this.#length < 4 + size) break;
      const all = this.#take(4 + size);
      try {
        messages.push(JSON.parse(all.toString("utf8", 4)));
      } catch {
        throw new FrameError("frame is not valid JSON");
      }
    }
    return messages;
  }

  #peek(n: number): Buffer {
    if (this.#buffered[0]!.length < n) this.#buffered = [Buffer.concat(this.#buffered)];
    return this.#buffered[0]!.subarray(0, n);
  }

  #take(n: number): Buffer {
    const all = this.#buffered.length === 1 ? this.#buffered[0]! : Buffer.concat(this.#buffered);
    this.#buffered = all.length > n ? [all.subarray(n)] : [];
    this.#length -= n;
    return all.subarray(0, n);
  }
}

/**
 * What each {t:"call"} op carries and what the broker's reply value is. The runtime builds ctx
 * from these; the broker must check every argument (the sandbox is untrusted). Bytes travel as
 * base64 strings; a missing list prefix is null.
 */
export interface BrokerOps {
  "secrets.get": { args: [name: string]; result: string };
  "kv.get": { args: [namespace: string, key: string]; result: string | null };
  "kv.put": { args: [namespace: string, key: string, value: string]; result: null };
  "kv.delete": { args: [namespace: string, key: string]; result: null };
  "kv.list": { args: [namespace: string, prefix: string | null]; result: string[] };
  "objects.get": { args: [bucket: string, key: string]; result: string | null };
  "objects.put": { args: [bucket: string, key: string, bodyBase64: string]; result: null };
  "objects.delete": { args: [bucket: string, key: string]; result: null };
  "objects.list": { args: [bucket: string, prefix: string | null]; result: string[] };
  fetch: { args: [request: WireRequest]; result: WireResponse };
  invoke: { args: [fn: string, payload: unknown]; result: unknown };
}

export type BrokerOp = keyof BrokerOps;

export interface WireRequest {
  url: string;
  method: string;
  headers: [string, string][];
  body: string | null;
}

export interface WireResponse {
  status: number;
  statusText: string;
  headers: [string, string][];
  body: string;
}
