// The function's console.* and ctx.log.* become {t:"log"} frames tagged with the invocation
// that is running, so the platform can attribute, redact and store them.

import { formatWithOptions } from "node:util";
import type { LogLevel } from "../sandbox/protocol.ts";
import type { RuntimeChannel } from "./channel.ts";

const MAX_LOG_CHARS = 64 * 1024;

export type LogFunction = (...args: unknown[]) => void;

export class Logger {
  readonly #channel: RuntimeChannel;
  readonly #currentId: () => string | null;

  constructor(channel: RuntimeChannel, currentId: () => string | null) {
    this.#channel = channel;
    this.#currentId = currentId;
  }

  at(level: LogLevel): LogFunction {
    return (...args: unknown[]) => {
      let msg: string;
      try {
        msg = formatWithOptions({ colors: false, depth: 4 }, ...args);
      } catch {
        msg = "[a log message that cannot be formatted]";
      }
      if (msg.length > MAX_LOG_CHARS) msg = `${msg.slice(0, MAX_LOG_CHARS)}… [truncated]`;
      this.#channel.send({ t: "log", id: this.#currentId(), level, msg });
    };
  }

  /** Routes the global console through the channel (stdout stays for raw output). */
  captureConsole(): void {
    const info = this.at("info");
    const debug = this.at("debug");
    Object.assign(console, {
      log: info,
      info,
      debug,
      trace: debug,
      warn: this.at("warn"),
      error: this.at("error"),
    });
  }
}
