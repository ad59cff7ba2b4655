// Finds the function behind the request, or refuses with 404/405.
import type { Stage } from "../exchange.ts";

export const matchRoute: Stage = (x, deps) => {
  x.route = deps.router().match(x.method, x.rawPath);
};
