// The WAF against two corpora: ordinary business traffic (zero false positives allowed) and
// attacks of every class in every location a client controls (each caught, with the right class).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compileWaf, type WafClass, type WafRequest } from "../../../src/core/waf/index.ts";
import { ATTACKS } from "./attack-corpus.ts";
import {
  BENIGN_FORM_BODIES,
  BENIGN_HEADERS,
  BENIGN_JSON_BODIES,
  BENIGN_PATHS,
  BENIGN_QUERIES,
  BENIGN_TEXTS,
} from "./benign-corpus.ts";

const waf = compileWaf();
const EMPTY: WafRequest = { path: "/", query: "", headers: {} };

/** Header values are latin-1 without control characters on the wire; anything else arrives encoded. */
function asHeaderValue(text: string): string {
  return /^[\t\x20-\x7e\x80-\xff]*$/.test(text) ? text : encodeURIComponent(text);
}

/** How a client puts one string into each location. */
const PLACES: Record<string, (text: string, i: number) => WafRequest> = {
  path: (text) => ({ ...EMPTY, path: `/api/search/${encodeURIComponent(text)}` }),
  query: (text) => ({ ...EMPTY, query: new URLSearchParams({ q: text, page: "1" }).toString() }),
  header: (text, i) => ({ ...EMPTY, headers: { [i % 2 === 0 ? "user-agent" : "x-custom-data"]: asHeaderValue(text) } }),
  "JSON body": (text, i) => ({
    ...EMPTY,
    // Every third payload is sent as an object key: keys are attacker text too.
    body: i % 3 === 2 ? { filters: { [text]: true } } : { order: { items: [{ sku: "A1", note: text }] } },
  }),
  "form body": (text) => ({ ...EMPTY, body: { name: "Jane", comment: text } }),
};

describe("WAF benign corpus", () => {
  it("has at least 150 free-text inputs", () => {
    assert.ok(BENIGN_TEXTS.length >= 150, `only ${BENIGN_TEXTS.length}`);
  });

  for (const [place, build] of Object.entries(PLACES)) {
    it(`lets every free-text input through in the ${place}`, () => {
      const flagged = BENIGN_TEXTS.map((text, i) => ({ text, match: waf.inspect(build(text, i)) })).filter((r) => r.match);
      assert.deepEqual(flagged, []);
    });
  }

  it("lets real request paths through", () => {
    const flagged = BENIGN_PATHS.map((path) => ({ path, match: waf.inspect({ ...EMPTY, path }) })).filter((r) => r.match);
    assert.deepEqual(flagged, []);
  });

  it("lets real query strings through", () => {
    const flagged = BENIGN_QUERIES.map((query) => ({ query, match: waf.inspect({ ...EMPTY, query }) })).filter((r) => r.match);
    assert.deepEqual(flagged, []);
  });

  it("lets real browser and API-client header sets through", () => {
    const flagged = BENIGN_HEADERS.map((headers) => waf.inspect({ ...EMPTY, headers })).filter((m) => m);
    assert.deepEqual(flagged, []);
  });

  it("lets real JSON and form bodies through", () => {
    const flagged = [...BENIGN_JSON_BODIES, ...BENIGN_FORM_BODIES].map((body) => waf.inspect({ ...EMPTY, body })).filter((m) => m);
    assert.deepEqual(flagged, []);
  });
});

/** Response splitting needs a response head to split: a line break in a body is text (rules-crlf.ts). */
const BODY_PLACES = new Set(["JSON body", "form body"]);
const placesFor = (cls: WafClass) => Object.entries(PLACES).filter(([place]) => cls !== "crlf" || !BODY_PLACES.has(place));

describe("WAF attack corpus", () => {
  for (const [cls, payloads] of Object.entries(ATTACKS) as Array<[WafClass, readonly string[]]>) {
    it(`has at least 15 ${cls} payloads`, () => {
      assert.ok(payloads.length >= 15);
    });

    for (const [place, build] of placesFor(cls)) {
      it(`catches every ${cls} payload in the ${place} as ${cls}`, () => {
        const missed = payloads
          .map((payload, i) => ({ payload, match: waf.inspect(build(payload, i)) }))
          .filter((r) => r.match?.class !== cls);
        assert.deepEqual(missed, []);
      });
    }
  }
});

describe("WAF line breaks in a body", () => {
  it("let a body's lines start like headers: prose, not a response to split", () => {
    for (const payload of ATTACKS.crlf) {
      const match = waf.inspect(PLACES["JSON body"]!(payload, 0));
      assert.notEqual(match?.class, "crlf", payload);
    }
  });
});
