// Asking the person at the terminal: a password without echo, a TOTP code, a user name. When stdin
// is not a terminal (a script, a test), each question takes the next line of stdin instead, so
// secrets never have to go through argv where other users can read them (ps, /proc).
import { createInterface } from "node:readline";
import { BulwarkError } from "../core/errors.ts";

export interface PromptInput extends NodeJS.ReadableStream {
  isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
  ref?(): unknown;
  unref?(): unknown;
}

export interface Prompter {
  /** The answer without its line ending, or null when stdin has ended. */
  ask(question: string, options?: { secret?: boolean }): Promise<string | null>;
}

const MAX_ANSWER = 4096;
const prompters = new WeakMap<PromptInput, Prompter>();

export function prompterFor(stdin: PromptInput, stderr: NodeJS.WritableStream): Prompter {
  let prompter = prompters.get(stdin);
  if (!prompter) {
    prompter = stdin.isTTY && stdin.setRawMode ? terminal(stdin, stderr) : lines(stdin);
    prompters.set(stdin, prompter);
  }
  return prompter;
}

/**
 * One line per question from a pipe; a single reader, so no buffered line is lost between
 * questions. Between questions the pipe does not keep the process alive: a command that has its
 * answers exits without waiting for the writer to close stdin.
 */
function lines(stdin: PromptInput): Prompter {
  const queue: string[] = [];
  const waiting: Array<(line: string | null) => void> = [];
  let ended = false;
  let started = false;
  const start = () => {
    started = true;
    const rl = createInterface({ input: stdin, terminal: false, crlfDelay: Infinity });
    rl.on("line", (line) => {
      const next = waiting.shift();
      if (next) next(line);
      else queue.push(line);
      if (waiting.length === 0) stdin.unref?.();
    });
    rl.on("close", () => {
      ended = true;
      for (const next of waiting.splice(0)) next(null);
    });
  };
  return {
    ask: () => {
      if (!started) start();
      if (queue.length > 0) return Promise.resolve(queue.shift()!);
      if (ended) return Promise.resolve(null);
      stdin.ref?.();
      return new Promise((resolve) => waiting.push(resolve));
    },
  };
}

function terminal(stdin: PromptInput, stderr: NodeJS.WritableStream): Prompter {
  return {
    ask: (question, options = {}) => (options.secret ? hidden(stdin, stderr, question) : visible(stdin, stderr, question)),
  };
}

function visible(stdin: PromptInput, stderr: NodeJS.WritableStream, question: string): Promise<string | null> {
  const rl = createInterface({ input: stdin, output: stderr, terminal: true });
  return new Promise((resolve) => {
    rl.once("close", () => resolve(null));
    rl.question(question, (answer) => {
      rl.removeAllListeners("close");
      rl.close();
      resolve(answer);
    });
  });
}

/** Raw mode, no echo: typed characters never reach the screen or the scrollback. */
function hidden(stdin: PromptInput, stderr: NodeJS.WritableStream, question: string): Promise<string | null> {
  stderr.write(question);
  stdin.setRawMode!(true);
  stdin.setEncoding("utf8");
  stdin.resume();
  return new Promise((resolve, reject) => {
    let value = "";
    const finish = () => {
      stdin.off("data", onData);
      stdin.setRawMode!(false);
      stdin.pause();
      stderr.write("\n");
    };
    const onData = (chunk: string | Buffer) => {
      for (const ch of String(chunk)) {
        if (ch === "\r" || ch === "\n") return (finish(), resolve(value));
        if (ch === "\u0003") return (finish(), reject(new BulwarkError("BWK_USAGE", "cancelled")));
        if (ch === "\u0004" && value === "") return (finish(), resolve(null));
        if (ch === "\u007f" || ch === "\b") value = [...value].slice(0, -1).join("");
        else if (value.length < MAX_ANSWER) value += ch;
      }
    };
    stdin.on("data", onData);
  });
}
