// A static admin portal page, as a team would build one: it calls helpgate from another origin
// with a bearer token, through one of three GraphQL clients used with their default settings.
// Bundled by esbuild at test time (portal.test.ts); the page's URL says which client to use:
//   ?client=urql|apollo|graphql-request&gateway=<GraphQL URL>#token=<bearer token>
import { ApolloClient, HttpLink, InMemoryCache, gql as apolloGql } from "@apollo/client";
import { Client, cacheExchange, fetchExchange } from "@urql/core";
import { GraphQLClient } from "graphql-request";

const USERS_WITH_LICENSE_ERRORS = `
  query UsersWithLicenseErrors {
    groups(first: 10) {
      edges { node { displayName membersWithLicenseErrors(first: 10) { edges { node { id userPrincipalName licenseAssignmentStates { skuId state error } } } } } }
    }
  }`;
const FIND_USER = `query FindUser($upn: String!) { user(userPrincipalName: $upn) { id usageLocation } }`;
const PREVIEW = `
  query PreviewLicense($userId: ID!, $skuId: ID!) {
    previewLicenseAssignment(userId: $userId, addLicenses: [{ skuId: $skuId }]) { succeeded problems { error message } }
  }`;
const TROUBLESHOOT = `query Troubleshoot($code: String!) { troubleshoot(errorCode: $code) { errorCode article { pageTitle } steps { text } } }`;
/** Office 365 E3. */
const E3 = "6fd2c87f-b296-42f0-b197-1e91e994b900";

const params = new URLSearchParams(location.search);
const endpoint = params.get("gateway");
const token = new URLSearchParams(location.hash.slice(1)).get("token");
const headers = { authorization: `Bearer ${token}` };

/** Each client's own way to run a query, with its default settings. */
function clientFor(name) {
  if (name === "urql") {
    const client = new Client({ url: endpoint, exchanges: [cacheExchange, fetchExchange], fetchOptions: { headers } });
    return async (query, variables) => {
      const result = await client.query(query, variables).toPromise();
      if (result.error) throw result.error;
      return result.data;
    };
  }
  if (name === "apollo") {
    const client = new ApolloClient({ link: new HttpLink({ uri: endpoint, headers }), cache: new InMemoryCache() });
    return async (query, variables) => (await client.query({ query: apolloGql(query), variables })).data;
  }
  if (name === "graphql-request") {
    const client = new GraphQLClient(endpoint, { headers });
    return (query, variables) => client.request(query, variables);
  }
  throw new Error(`unknown client ${name}`);
}

function show(id, value) {
  const element = document.createElement("pre");
  element.id = id;
  element.textContent = typeof value === "string" ? value : JSON.stringify(value, null, 2);
  document.body.append(element);
}

async function main() {
  const run = clientFor(params.get("client"));
  document.title = `portal (${params.get("client")})`;

  const groups = await run(USERS_WITH_LICENSE_ERRORS, {});
  const inError = groups.groups.edges.flatMap((edge) => edge.node.membersWithLicenseErrors.edges.map((member) => member.node.userPrincipalName));
  show("users-with-license-errors", [...new Set(inError)].sort().join("\n"));

  const { user } = await run(FIND_USER, { upn: "john.smith@contoso.com" });
  const { previewLicenseAssignment: preview } = await run(PREVIEW, { userId: user.id, skuId: E3 });
  show("preview", preview.problems.map((problem) => problem.error).join("\n") || "no problems");

  const code = preview.problems[0]?.error;
  const { troubleshoot } = await run(TROUBLESHOOT, { code });
  show("answer", `${troubleshoot.article.pageTitle}\n${troubleshoot.steps.map((step) => step.text).join("\n")}`);
}

main().then(
  () => show("status", "done"),
  (error) => show("status", `error: ${error?.message ?? error}`),
);
