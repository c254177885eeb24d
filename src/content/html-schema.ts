/**
 * What article HTML may hold (an allow-list for rehype-sanitize): the elements articles are
 * written with and nothing else. Everything not listed is removed: an unknown element is
 * replaced by its content (`<span>`, `<div>`, `<center>`, `<font>`), the elements in `strip`
 * with their content; attributes not listed go (no `style`, no `on*` handler, no `target`); link
 * and image URLs must be relative or use a protocol of safe-url.ts.
 */
import type { Options as Schema } from "rehype-sanitize";
import { IMAGE_PROTOCOLS, LINK_PROTOCOLS } from "./parser/safe-url";

const TABLE_CELL = ["align", "colSpan", "rowSpan"];

export const ARTICLE_HTML_SCHEMA: Schema = {
  tagNames: [
    // Text and headings.
    "h1", "h2", "h3", "h4", "h5", "h6", "p", "br", "hr", "blockquote", "pre", "code", "kbd", "samp",
    "em", "strong", "b", "i", "u", "s", "del", "ins", "sub", "sup",
    // Lists (GitHub task lists: a disabled checkbox), tables.
    "ul", "ol", "li", "dl", "dt", "dd", "input",
    "table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td",
    // Links, images; footnotes (a section with its label and back-references).
    "a", "img", "section",
  ],
  attributes: {
    a: ["href", "title", "dataFootnoteRef", "dataFootnoteBackref", ["className", "data-footnote-backref"]],
    img: ["src", "alt", "title", "width", "height"],
    code: [["className", /^language-[\w+#.-]+$/]],
    ol: ["start", ["className", "contains-task-list"]],
    ul: [["className", "contains-task-list"]],
    li: [["className", "task-list-item"]],
    input: [["type", "checkbox"], ["disabled", true], "checked"],
    th: [...TABLE_CELL, "scope"],
    td: TABLE_CELL,
    section: ["dataFootnotes", ["className", "footnotes"]],
    h2: [["className", "sr-only"]],
    // Only the ids the Markdown renderer makes (footnotes): an author's id could clobber a
    // page's globals or elements.
    "*": [["id", /^user-content-/]],
  },
  required: { input: { type: "checkbox", disabled: true } },
  protocols: { href: [...LINK_PROTOCOLS], src: [...IMAGE_PROTOCOLS] },
  // Table parts outside a table would break out of their context.
  ancestors: { tbody: ["table"], tfoot: ["table"], thead: ["table"], td: ["table"], th: ["table"], tr: ["table"], caption: ["table"] },
  clobber: [],
  clobberPrefix: "",
  strip: ["script", "style", "template", "noscript", "iframe", "object", "embed", "svg", "math", "textarea", "select", "noembed", "noframes", "xmp"],
  allowComments: false,
  allowDoctypes: false,
};
