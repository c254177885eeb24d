/** The page's configuration: a JSON script element written by the server (src/http/explorer.ts). */
let config;
export function explorerConfig() {
  config ??= JSON.parse(document.getElementById("helpgate-explorer-config").textContent);
  return config;
}
