// Listening, closing and naming the platform's HTTP servers: every stage's edge and the control API.
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { BulwarkError } from "../core/errors.ts";

/** `flag` names the option that picks this port, so the error says how to choose another. */
export function listen(server: Server, port: number, host: string, flag: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", (e: NodeJS.ErrnoException) =>
      reject(
        e.code === "EADDRINUSE"
          ? new BulwarkError("BWK_INVALID_ARGUMENT", `port ${port} on ${host} is already in use: choose another with ${flag}`)
          : e,
      ),
    );
    server.listen(port, host, () => resolve());
  });
}

export function closeServer(server: Server | undefined): Promise<void> {
  if (!server) return Promise.resolve();
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

export function urlOf(server: Server, scheme: "http" | "https" = "http"): string {
  const { address, port } = server.address() as AddressInfo;
  return `${scheme}://${urlHost(address)}:${port}`;
}

/** A listening address as a URL's host: an IPv6 address in brackets (RFC 3986 §3.2.2). */
export function urlHost(address: string): string {
  return address.includes(":") ? `[${address}]` : address;
}
