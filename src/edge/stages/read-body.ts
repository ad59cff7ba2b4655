// Reads the request body under a size limit: a declared Content-Length over the limit is refused
// before a byte is read, and a streamed body is cut off the moment it passes the limit.
import { BulwarkError } from "../../core/errors.ts";
import type { Stage } from "../exchange.ts";

export const readBody: Stage = async (x, deps) => {
  const limit = deps.bodyLimitBytes;
  const declared = x.req.headers["content-length"];
  if (declared !== undefined && Number(declared) > limit) throw tooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of x.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw tooLarge(limit);
    chunks.push(chunk);
  }
  x.body = Buffer.concat(chunks, size);
};

function tooLarge(limit: number): BulwarkError {
  return new BulwarkError("BWK_PAYLOAD_TOO_LARGE", `the request body is larger than ${limit} bytes`, {
    extra: { limitBytes: limit },
  });
}
