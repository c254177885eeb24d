// The in-browser explorer: GraphiQL, from the graphiql package, bundled by scripts/build-explorer.js.
// Plain JavaScript (no JSX) so that the server's TypeScript build never sees it.
import "./monaco-workers.js";
import { createElement } from "react";
import { createRoot } from "react-dom/client";
import { GraphiQL } from "graphiql";
import "graphiql/style.css";
import { explorerConfig } from "./config.js";

const config = explorerConfig();

/** GraphQL over HTTP: a JSON POST with the headers from the headers editor (the bearer token). */
async function fetcher(params, options) {
  const response = await fetch(config.endpoint, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/graphql-response+json, application/json", ...options?.headers },
    body: JSON.stringify(params),
  });
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch {
    return { errors: [{ message: `HTTP ${response.status}: ${text.slice(0, 500)}` }] };
  }
}

createRoot(document.getElementById("graphiql")).render(
  createElement(GraphiQL, {
    fetcher,
    defaultTabs: config.tabs,
    isHeadersEditorEnabled: true,
    shouldPersistHeaders: true,
    defaultEditorToolsVisibility: "headers",
  }),
);
