// FrameWriter alone, on a stand-in stream: the frames of one turn of the event loop (promise jobs
// included) leave together in one write when the turn ends.
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
  it("sends a lone frame when the turn ends", async () => {
    const stream = new FakeStream();
    new FrameWriter(stream).write(Buffer.from("a"));
    assert.deepEqual(stream.wire, []);
    await nextTurn();
    assert.deepEqual(stream.wire, ["a"]);
  });

  it("sends the frames of a turn in one write at the turn's end, then starts over", async () => {
    const stream = new FakeStream();
    const writer = new FrameWriter(stream);
    for (const frame of ["a", "b", "c"]) writer.write(Buffer.from(frame));
    assert.deepEqual(stream.wire, []);
    await nextTurn();
    assert.deepEqual(stream.wire, ["abc"]);
    writer.write(Buffer.from("d"));
    await nextTurn();
    assert.deepEqual(stream.wire, ["abc", "d"]);
  });

  it("holds what promise jobs write, then sends it in one write", async () => {
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
    assert.deepEqual(stream.wire, ["abc"]);
  });
});
