import { spawn, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import path from "node:path";
import { exportJWK, generateKeyPair, type JWK } from "jose";

/** Where the portal's sign-in ends (the provider's "helpgate-portal" client). */
export const PORTAL_REDIRECT_URI = "http://127.0.0.1/callback";
export const HELPGATE_AUDIENCE = "api://helpgate";

/** A signing key: the private JWK the provider signs with (and the test, to forge claims). */
export async function signingKey(kid: string, alg: "RS256" | "ES256" | "PS256" = "RS256"): Promise<JWK> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  return { ...(await exportJWK(privateKey)), kid, alg, use: "sig" };
}

/**
 * The real OpenID Connect provider (`oidc-provider`) in a child process on loopback; see
 * oidc-provider.mjs. Tests ask it for tokens the way a portal and a script do: an
 * authorization-code + PKCE sign-in, and the client-credentials grant.
 */
export class IdentityProvider {
  private constructor(
    private readonly child: ChildProcess,
    readonly issuer: string,
  ) {}

  static async start(keys: JWK[]): Promise<IdentityProvider> {
    const child = spawn(process.execPath, [path.join(__dirname, "oidc-provider.mjs")], {
      env: { ...process.env, OIDC_KEYS: JSON.stringify(keys) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    // Never outlive the test run, even when a test fails before stopping it.
    const kill = () => child.kill("SIGKILL");
    process.once("exit", kill);
    child.once("exit", () => process.removeListener("exit", kill));
    let stderr = "";
    child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const issuer = await new Promise<string>((resolve, reject) => {
      let stdout = "";
      const timer = setTimeout(() => reject(new Error(`the identity provider did not start in 15 s: ${stderr}`)), 15_000);
      child.stdout!.on("data", (chunk: Buffer) => {
        stdout += chunk.toString();
        const line = stdout.split("\n")[0];
        if (stdout.includes("\n")) {
          clearTimeout(timer);
          resolve((JSON.parse(line) as { issuer: string }).issuer);
        }
      });
      child.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`the identity provider exited with ${code}: ${stderr}`));
      });
    });
    return new IdentityProvider(child, issuer);
  }

  /** Extra claims the provider puts in access tokens: per account id (users) and client id (apps). */
  async setClaims(claims: { accounts?: Record<string, Record<string, unknown>>; clients?: Record<string, Record<string, unknown>> }): Promise<void> {
    await this.control("/control/claims", claims);
  }

  /** Signs with these keys from now on and publishes only them (a key rotation). */
  async rotateKeys(keys: JWK[]): Promise<void> {
    await this.control("/control/keys", { keys });
  }

  /** How many times the provider's key set has been fetched. */
  async jwksRequests(): Promise<number> {
    const response = await fetch(`${this.issuer}/control/stats`);
    return ((await response.json()) as { jwksRequests: number }).jwksRequests;
  }

  /** A client-credentials token for an app client (its secret is "<client id>-secret"). */
  async appToken(clientId: string, resource = HELPGATE_AUDIENCE): Promise<string> {
    const response = await fetch(`${this.issuer}/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "client_credentials", client_id: clientId, client_secret: `${clientId}-secret`, resource }),
    });
    return accessToken(response);
  }

  /**
   * Signs a user in as a portal does: authorization code with PKCE. The browser's part is played
   * with plain HTTP: follow the redirects, fill in the provider's sign-in form (as `accountId`) and
   * its consent form, then redeem the code with the verifier.
   */
  async userToken(accountId: string, resource = HELPGATE_AUDIENCE): Promise<string> {
    const verifier = randomBytes(32).toString("base64url");
    const challenge = createHash("sha256").update(verifier).digest("base64url");
    const browser = new Browser();
    const authorize = new URL(`${this.issuer}/auth`);
    authorize.search = new URLSearchParams({
      client_id: "helpgate-portal",
      response_type: "code",
      redirect_uri: PORTAL_REDIRECT_URI,
      scope: "openid user_impersonation",
      resource,
      code_challenge: challenge,
      code_challenge_method: "S256",
      state: randomBytes(8).toString("hex"),
    }).toString();
    let location = authorize.toString();
    for (let step = 0; step < 12; step++) {
      if (location.startsWith(PORTAL_REDIRECT_URI)) {
        const code = new URL(location).searchParams.get("code");
        if (!code) throw new Error(`the sign-in ended without a code: ${location}`);
        const response = await fetch(`${this.issuer}/token`, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams({ grant_type: "authorization_code", code, redirect_uri: PORTAL_REDIRECT_URI, client_id: "helpgate-portal", code_verifier: verifier }),
        });
        return accessToken(response);
      }
      const page = await browser.get(new URL(location, this.issuer).toString());
      if (page.location) {
        location = page.location;
        continue;
      }
      // An interaction page: the sign-in form, then the consent form.
      const action = /<form[^>]*action="([^"]+)"/.exec(page.body)?.[1];
      const prompt = /name="prompt" value="([a-z]+)"/.exec(page.body)?.[1];
      if (!action || !prompt) throw new Error(`unexpected page during sign-in (${page.status}): ${page.body.slice(0, 500)}`);
      const form: Record<string, string> = prompt === "login" ? { prompt, login: accountId, password: "any" } : { prompt };
      const submitted = await browser.post(new URL(action.replace(/&amp;/g, "&"), this.issuer).toString(), form);
      if (!submitted.location) throw new Error(`the ${prompt} form was not accepted (${submitted.status}): ${submitted.body.slice(0, 500)}`);
      location = submitted.location;
    }
    throw new Error("the sign-in did not finish in 12 steps");
  }

  /** Stops the provider (it is then "down"). */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once("exit", resolve));
    this.child.kill("SIGTERM");
    await exited;
  }

  private async control(route: string, body: unknown): Promise<void> {
    const response = await fetch(`${this.issuer}${route}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    if (!response.ok) throw new Error(`${route} answered ${response.status}: ${await response.text()}`);
  }
}

async function accessToken(response: Response): Promise<string> {
  const body = (await response.json()) as { access_token?: string; error?: string; error_description?: string };
  if (!response.ok || !body.access_token) throw new Error(`the token endpoint refused (${response.status}): ${body.error}: ${body.error_description}`);
  return body.access_token;
}

/** Just enough of a browser for the sign-in: cookies kept between requests, redirects not followed. */
class Browser {
  private readonly cookies = new Map<string, string>();

  get(url: string) {
    return this.send(url, { method: "GET" });
  }

  post(url: string, form: Record<string, string>) {
    return this.send(url, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(form) });
  }

  private async send(url: string, init: RequestInit): Promise<{ status: number; location: string | null; body: string }> {
    const cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
    const response = await fetch(url, { ...init, redirect: "manual", headers: { ...(init.headers as Record<string, string>), ...(cookie ? { cookie } : {}) } });
    for (const header of response.headers.getSetCookie()) {
      const [pair] = header.split(";");
      const index = pair.indexOf("=");
      this.cookies.set(pair.slice(0, index).trim(), pair.slice(index + 1));
    }
    const location = response.headers.get("location");
    return { status: response.status, location: location && new URL(location, url).toString(), body: await response.text() };
  }
}
