import type { Services } from "../services";
import { unauthenticated } from "../errors";
import { permissionsFor, type Caller } from "./permissions";

/**
 * Turns an Authorization header into the caller it names. No header: an anonymous caller, who
 * may read public content only. A header that does not hold a valid token for an enabled user of
 * this directory is refused outright.
 */
export async function authenticate(authorization: string | undefined, services: Services): Promise<Caller | null> {
  if (authorization === undefined || authorization.trim() === "") return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (!match) throw unauthenticated("The Authorization header must read 'Bearer <token>'.");
  const subject = await services.tokens.verify(match[1]);
  const user = await services.users.findForSignIn(subject);
  if (!user) throw unauthenticated("The user the token names does not exist in this directory (it may have been deleted).");
  if (!user.accountEnabled) throw unauthenticated("The account the token names is disabled (accountEnabled is false).");
  const roleTemplateIds = (await services.roles.rolesOf([user.id])).get(user.id) ?? [];
  return {
    id: user.id,
    userPrincipalName: user.userPrincipalName,
    displayName: user.displayName,
    roleTemplateIds: new Set(roleTemplateIds),
    permissions: permissionsFor(roleTemplateIds),
  };
}
