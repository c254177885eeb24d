import fc from "fast-check";
import { articleHtml } from "../../src/content/render";
import { htmlElements, unsafeParts } from "../support/html-elements";

/**
 * Whatever Markdown an author writes, raw HTML and URL tricks included, the HTML helpgate serves
 * holds no script element, no event-handler or style attribute, and no javascript:, vbscript: or
 * data: URL in any attribute, as a browser parses it.
 */

const RUNS = Number(process.env.PROP_RUNS ?? 200);

/** A scriptable scheme as an attacker would hide it: mixed case, entities, controls and whitespace. */
const obfuscatedScheme: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom("javascript", "vbscript", "data"),
    fc.array(fc.boolean(), { minLength: 10, maxLength: 10 }),
    fc.array(fc.constantFrom("", "", "", "\t", "\n", "&#x09;", "&#10;", "&Tab;", "&NewLine;"), { minLength: 10, maxLength: 10 }),
    fc.array(fc.constantFrom("plain", "plain", "decimal", "hex", "hexPadded"), { minLength: 10, maxLength: 10 }),
    fc.constantFrom("", " ", "  ", "\u0001", "&#32;", "\u000b"),
    fc.constantFrom(":", ":", "&colon;", "&#58;", "&#x3A;", "&#x003a"),
  )
  .map(([scheme, upper, gaps, encodings, lead, colon]) => {
    const letters = [...scheme].map((letter, i) => {
      const cased = upper[i] ? letter.toUpperCase() : letter;
      const code = cased.charCodeAt(0);
      const encoded = { plain: cased, decimal: `&#${code};`, hex: `&#x${code.toString(16)};`, hexPadded: `&#x00${code.toString(16)}` }[encodings[i]!]!;
      return encoded + gaps[i]!;
    });
    return lead + letters.join("") + colon;
  });

const payload = fc.constantFrom("alert(1)", "alert`1`", "text/html,<script>alert(1)</script>", "image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+", "msgbox(1)", "//%0aalert(1)");
const badUrl = fc.tuple(obfuscatedScheme, payload).map(([scheme, rest]) => scheme + rest);

const quote = fc.constantFrom('"', "'", "");
const handlerName = fc
  .tuple(fc.constantFrom("on"), fc.constantFrom("click", "load", "error", "mouseover", "focus", "toggle", "begin", "animationstart", "pointerenter"), fc.boolean())
  .map(([on, event, upper]) => (upper ? (on + event).replace(/^o/, "O").replace(/c/, "C") : on + event));
const tagName = fc.constantFrom("a", "img", "svg", "div", "span", "p", "details", "body", "input", "video", "audio", "math", "iframe", "table", "td", "marquee", "x-custom", "image", "object", "embed", "form", "button");
const urlAttribute = fc.constantFrom("href", "src", "action", "formaction", "xlink:href", "data", "poster", "background", "srcset", "HREF", "SrC");

/** Raw HTML that carries script in one way or another. */
const hostileHtml: fc.Arbitrary<string> = fc.oneof(
  fc.tuple(tagName, handlerName, quote).map(([tag, handler, q]) => `<${tag} ${handler}=${q}alert(1)${q}>`),
  fc.tuple(tagName, handlerName).map(([tag, handler]) => `<${tag}/${handler}=alert(1)>`),
  fc.tuple(tagName, urlAttribute, badUrl, quote).map(([tag, attribute, url, q]) => `<${tag} ${attribute}=${q}${url}${q}>`),
  fc.tuple(badUrl, quote).map(([url, q]) => `<a href=${q}${url}${q}>link</a>`),
  fc.tuple(badUrl).map(([url]) => `<img src="${url}">`),
  fc.tuple(fc.constantFrom("script", "SCRIPT", "ScRiPt", "style", "iframe", "template", "noscript", "textarea", "title", "xmp", "svg", "math"), payload).map(
    ([tag, body]) => `<${tag}>${body}</${tag}>`,
  ),
  fc.constantFrom(
    "<script src=https://evil.example/x.js></script>",
    "<scr<script>ipt>alert(1)</script>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<svg><a xlink:href=\"javascript:alert(1)\"><text>t</text></a></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
    "<template><img src=x onerror=alert(1)></template>",
    "<!--<img src=x onerror=alert(1)>-->",
    "<!-- --!><img src=x onerror=alert(1)>-->",
    "<details open ontoggle=alert(1)>",
    "<div style=\"background:url(javascript:alert(1))\">",
    "<base href=\"javascript:alert(1)//\">",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
    "<form><button formaction=javascript:alert(1)>x</button></form>",
    "<object data=\"data:text/html,<script>alert(1)</script>\"></object>",
    "<iframe srcdoc=\"<script>alert(1)</script>\"></iframe>",
    "<img srcset=\"javascript:alert(1) 1x, data:image/png,x 2x\">",
    "<a href=\"java&#0000115;cript:alert(1)\">x</a>",
    "<a href=\"&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A;alert(1)\">x</a>",
    "<a href=\"\u0000javascript:alert(1)\">x</a>",
    "<a href=\"javascript\u0000:alert(1)\">x</a>",
    "<IMG SRC=JaVaScRiPt:alert(1)>",
    "<IMG \"\"\"><SCRIPT>alert(1)</SCRIPT>\">",
    "<a href=\"https://ok.example\" onclick=alert(1)>ok</a>",
    "</p><script>alert(1)</script><p>",
    "<table><tr><td onclick=alert(1)>x</td></tr></table>",
    "<ul><li onmouseover=alert(1)>x</li></ul>",
    "<br onload=alert(1)>",
    "<video><source onerror=alert(1)></video>",
    "<video>\n<src>javascript:alert(1)</src>\n<title>t</title>\n</video>",
  ),
);

/** Markdown constructs that carry a URL, with a hostile one. */
const hostileMarkdown: fc.Arbitrary<string> = fc.oneof(
  badUrl.map((url) => `[x](${url})`),
  badUrl.map((url) => `[x](<${url}>)`),
  badUrl.map((url) => `![x](${url})`),
  badUrl.map((url) => `[x][r]\n\n[r]: ${url}\n`),
  badUrl.map((url) => `![x][i]\n\n[i]: <${url}> "t"\n`),
  badUrl.map((url) => `<${url.replace(/[\s<>]/g, "")}>`),
  badUrl.map((url) => `[x](${url.replace(/:/, "&colon;")})`),
  badUrl.map((url) => `[x](${url} "title")`),
);

/** Ordinary Markdown, so that the hostile parts land inside lists, tables, quotes, code and paragraphs. */
const MARKDOWN_PIECES = [
  "\n", "\n\n", " ", "    ", "# ", "## Recommended Steps\n", "- ", "1. ", "> ", "```\n", "`", "*", "**", "_", "~~", "\\",
  "[", "]", "(", ")", "<", ">", "!", "&amp;", "&", ";", "#", ":", "<br>", "</a>", "</div>", "<div>", "<!--", "-->",
  "| a | b |\n|---|---|\n", "|", "[^1]", "[^1]: note\n", "- [ ] ", "https://learn.example.com/a", "www.example.com", "a@b.example",
  "[ok](https://ok.example)", "<a href=\"https://ok.example\">ok</a>", "word", "Word.", "---\n", "{ \"a\": 1 }\n",
];

const piece = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...MARKDOWN_PIECES) },
  { weight: 3, arbitrary: hostileHtml },
  { weight: 2, arbitrary: hostileMarkdown },
  { weight: 1, arbitrary: fc.string({ maxLength: 8 }) },
);
const markdown = fc.array(piece, { minLength: 1, maxLength: 30 }).map((pieces) => pieces.join(""));

function check(text: string): void {
  const html = articleHtml(text);
  const unsafe = unsafeParts(html);
  if (unsafe.length > 0) throw new Error(`unsafe HTML (${unsafe.join("; ")}):\n${html}\nfrom Markdown:\n${text}`);
  // The same with a plain look at the tags alone, in case the parse above misses something a
  // browser would see. Text between tags (escaped, as "&#x3C;table onclick=…") is left out,
  // before the first tag and after the last one too.
  const tags = html.replace(/^[^<]*/, "").replace(/>[^<]*/g, ">");
  if (/<script|\son[a-z]+\s*=|\sstyle\s*=/i.test(tags)) throw new Error(`suspicious tag text:\n${html}\nfrom Markdown:\n${text}`);
}

describe("articleHtml (property)", () => {
  it("serves no script, handler, style or scriptable URL, whatever raw HTML and URLs the Markdown holds", () => {
    fc.assert(fc.property(markdown, check), { numRuns: RUNS * 5 });
  });

  it("takes a tag written as text for text: escaped, it is no tag and no handler", () => {
    const text = '- [ ] <iframe href="javascript:alert(1)">\n<table onclick="alert(1)">[x](<javascript:alert(1)>)';
    expect(() => check(text)).not.toThrow();
    expect(articleHtml(text)).toContain("&#x3C;table onclick");
  });

  it("refuses every obfuscated scheme in a link, an image and raw HTML alike", () => {
    fc.assert(
      fc.property(badUrl, (url) => {
        for (const text of [`[x](${url.replace(/\s/g, "")})`, `![x](<${url}>)`, `<a href="${url}">x</a>`, `<img src='${url}'>`]) check(text);
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it("still keeps the ordinary links and elements around the hostile parts", () => {
    fc.assert(
      fc.property(hostileHtml, hostileMarkdown, (html, md) => {
        const out = articleHtml(`Before [ok](https://ok.example/a).\n\n${md}\n\n- one\n- two\n\n${html}\n`);
        const elements = htmlElements(out);
        expect(elements.some((element) => element.tagName === "a" && element.attributes.href === "https://ok.example/a")).toBe(true);
        expect(elements.filter((element) => element.tagName === "li").length).toBeGreaterThanOrEqual(2);
      }),
      { numRuns: RUNS },
    );
  });
});
