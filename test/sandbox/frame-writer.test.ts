// FrameWriter alone, on a stand-in stream: the first frame of a turn leaves at once, the ones after
// it in the same turn (promise jobs included) leave together when the turn ends.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setImmediate as nextTurn } from "node:timers/promises";
import { FrameWriter } from "../../src/sandbox/protocol.ts";

/** Records what reached the wire: each element is one write the stream would make. */
class FakeStream {
  readonly wire: string[] = [];
  #held: string[] = [];
  #corks = 0;
  write(chunk: Buffer): boolean {
    if (this.#corks > 0) this.#held.push(chunk.toString());
    else this.wire.push(chunk.toString());
    return true;
  }
  cork(): void {
    this.#corks++;
  }
  uncork(): void {
    if (--this.#corks === 0 && this.#held.length > 0) this.wire.push(this.#held.splice(0).join(""));
  }
}

describe("FrameWriter", () => {
  it("sends a lone frame at once", () => {
    const stream = new FakeStream();
    new FrameWriter(stream).write(Buffer.from("a"));
    assert.deepEqual(stream.wire, ["a"]);
  });

  it("sends the frames after the first of a turn in one write at the turn's end, then starts over", async () => {
    const stream = new FakeStream();
    const writer = new FrameWriter(stream);
    for (const frame of ["a", "b", "c"]) writer.write(Buffer.from(frame));
    assert.deepEqual(stream.wire, ["a"]);
    await nextTurn();
    assert.deepEqual(stream.wire, ["a", "bc"]);
    writer.write(Buffer.from("d"));
    assert.deepEqual(stream.wire, ["a", "bc", "d"]);
  });

  it("holds what the promise jobs after the first frame write, then sends it in one write", async () => {
    const stream = new FakeStream();
    const writer = new FrameWriter(stream);
    // As in the runtime: a chunk of replies resolves calls whose continuations (promise jobs, some
    // a few hops later) each make a call.
    await null;
    const continuations = ["a", "b", "c"].map(async (frame, i) => {
      for (let hop = 0; hop < i; hop++) await null;
      writer.write(Buffer.from(frame));
    });
    await Promise.all(continuations);
    await nextTurn();
    assert.deepEqual(stream.wire, ["a", "bc"]);
  });
});
