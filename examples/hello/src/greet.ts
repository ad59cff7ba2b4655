// Greets by name: from the path (/hello/ada) or the query (/hello?name=ada).
import type { Context, HttpEvent } from "bulwark/sdk";

export async function handler(event: HttpEvent, ctx: Context) {
  const name = event.pathParameters?.name ?? event.queryStringParameters?.name ?? "world";
  console.log(`greeting ${name}`);
  return { message: `Hello, ${name}!`, requestId: ctx.requestId };
}
