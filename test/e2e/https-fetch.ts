// fetch() for the tests, over node:http(s) with a fresh connection per request. Node's global
// fetch cannot be given a CA (for `--tls dev`), and its keep-alive pool reuses sockets the edge
// closed while a synchronous cli() call blocked the test process.
import { readFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { join } from "node:path";

export function devCa(dataDir: string): string {
  return readFileSync(join(dataDir, "tls", "dev-cert.pem"), "utf8");
}

export async function nodeFetch(url: string, init: RequestInit = {}, ca?: string): Promise<Response> {
  const body = init.body === undefined || init.body === null ? undefined : Buffer.from(await new Response(init.body).arrayBuffer());
  const headers = new Headers(init.headers);
  // As fetch() does: a string body without a declared type is text.
  if (typeof init.body === "string" && !headers.has("content-type")) headers.set("content-type", "text/plain;charset=UTF-8");
  return new Promise((resolve, reject) => {
    const request = url.startsWith("https:") ? httpsRequest : httpRequest;
    const req = request(url, { method: init.method ?? "GET", headers: Object.fromEntries(headers), ca, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const out = new Headers();
        for (let i = 0; i < res.rawHeaders.length; i += 2) out.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
        const status = res.statusCode ?? 0;
        resolve(new Response(status === 204 || status === 304 ? null : Buffer.concat(chunks), { status, headers: out }));
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}
