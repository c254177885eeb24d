/**
 * Apollo Server's CSRF prevention, fitted to bearer tokens. Apollo refuses a request a browser
 * could send from any web site without a preflight (a GET, or a POST with a form or text
 * content type) unless it carries one of `requestHeaders`. A form or a link cannot set
 * Authorization, and a script on another origin can set it only after a preflight this server
 * answers (use-cors.ts); browsers do attach HTTP Basic credentials by themselves, but the HTTP
 * front refuses any Authorization that is not `Bearer <valid token>` with 401 before Apollo
 * runs. So a request with a bearer token is no forgery: it passes, including urql's default
 * GET for queries, while simple requests without one stay refused.
 */
export const csrfPrevention = {
  // Apollo's own default pair (not exported by @apollo/server), then the bearer token.
  requestHeaders: ["x-apollo-operation-name", "apollo-require-preflight", "authorization"],
};
