import { randomUUID } from "node:crypto";
import type { AuditedWrites, Write, WriteRequest } from "../../audit/audited-writes";
import { modifiedProperties } from "../../audit/diff";
import { demand, isGlobalAdministrator, type Caller } from "../../auth/permissions";
import type { Database } from "../../db/database";
import { badInput, conflict, forbidden, notFound } from "../../errors";
import type { ProxyAddressRecord, UserRecord } from "../model";
import { GLOBAL_ADMINISTRATOR } from "../roles";
import { RoleStore } from "../stores/role.store";
import { UserStore, type UserFilter } from "../stores/user.store";
import {
  isEmailAddress,
  parseDisplayName,
  parseGuid,
  parseOptionalText,
  parseProxyAddresses,
  parseUsageLocation,
  parseUserPrincipalName,
  primarySmtpAddress,
  proxyAddressKey,
} from "../validation";
import type { DynamicMembership } from "./dynamic-membership";
import type { OrganizationService } from "./organization.service";

export interface UserInput {
  userPrincipalName?: string | null;
  displayName?: string | null;
  mail?: string | null;
  department?: string | null;
  jobTitle?: string | null;
  accountEnabled?: boolean | null;
  usageLocation?: string | null;
  proxyAddresses?: string[] | null;
}

const AUDITED_FIELDS = [
  "userPrincipalName",
  "displayName",
  "mail",
  "department",
  "jobTitle",
  "accountEnabled",
  "usageLocation",
] as const;

export class UserService {
  constructor(
    private readonly db: Database,
    private readonly writes: AuditedWrites,
    private readonly organization: OrganizationService,
    private readonly dynamic: DynamicMembership,
  ) {}

  async get(caller: Caller | null, key: { id?: string | null; userPrincipalName?: string | null }): Promise<UserRecord | null> {
    demand(caller, "directory.read");
    const store = new UserStore(this.db.manager);
    if (key.id) return store.findById(parseGuid(key.id, "id"));
    if (key.userPrincipalName) return store.findByUpn(key.userPrincipalName.trim());
    throw badInput("Name the user by id or by userPrincipalName.", { field: "id" });
  }

  byIds(caller: Caller | null, ids: readonly string[]): Promise<UserRecord[]> {
    demand(caller, "directory.read");
    return new UserStore(this.db.manager).findByIds(ids);
  }

  list(caller: Caller | null, filter: UserFilter, after: { displayName: string; id: string } | null, limit: number, backward = false) {
    demand(caller, "directory.read");
    return new UserStore(this.db.manager).list(normaliseFilter(filter), after, limit, backward);
  }

  count(caller: Caller | null, filter: UserFilter): Promise<number> {
    demand(caller, "directory.read");
    return new UserStore(this.db.manager).count(normaliseFilter(filter));
  }

  create(request: WriteRequest, input: UserInput): Promise<UserRecord> {
    const operation = { activityDisplayName: "Add user", category: "UserManagement", operationType: "Add" } as const;
    const target = { id: null, displayName: input.displayName ?? null, type: "User", userPrincipalName: input.userPrincipalName ?? null };
    return this.writes.run(request, { ...operation, target }, async (write) => {
      write.demand("users.manage");
      const domains = await this.organization.verifiedDomainNames(write.tx);
      if (!input.userPrincipalName) throw badInput("userPrincipalName is required, e.g. ada@contoso.com.", { field: "userPrincipalName" });
      if (!input.displayName) throw badInput("displayName is required.", { field: "displayName" });
      const proxyAddresses = parseProxyAddresses(input.proxyAddresses ?? []);
      const user: UserRecord = {
        id: randomUUID(),
        userPrincipalName: parseUserPrincipalName(input.userPrincipalName, domains),
        upnKey: "",
        displayName: parseDisplayName(input.displayName),
        mail: parseMail(input.mail) ?? primarySmtpAddress(proxyAddresses),
        department: parseOptionalText(input.department, "department", 64),
        jobTitle: parseOptionalText(input.jobTitle, "jobTitle", 128),
        accountEnabled: input.accountEnabled ?? true,
        usageLocation: parseUsageLocation(input.usageLocation),
        createdDateTime: new Date(),
      };
      user.upnKey = user.userPrincipalName.toLowerCase();
      await this.ensureUpnIsFree(write, user);
      await this.ensureProxyAddressesAreFree(write, user.id, proxyAddresses);
      await new UserStore(write.tx).insert(user);
      await new UserStore(write.tx).replaceProxyAddresses(user.id, proxyRecords(user.id, proxyAddresses));
      Object.assign(write.target, { id: user.id, displayName: user.displayName, userPrincipalName: user.userPrincipalName });
      write.modifiedProperties.push(...modifiedProperties({}, user, AUDITED_FIELDS));
      if (proxyAddresses.length > 0) write.modifiedProperties.push(...proxyChange([], proxyAddresses));
      await this.dynamic.syncUser(write, user);
      return user;
    });
  }

  update(request: WriteRequest, id: string, input: UserInput): Promise<UserRecord> {
    const operation = { activityDisplayName: "Update user", category: "UserManagement", operationType: "Update" } as const;
    const target = { id, displayName: null, type: "User", userPrincipalName: null };
    return this.writes.run(request, { ...operation, target }, async (write) => {
      write.demand(onlyUsageLocation(input) ? "users.setUsageLocation" : "users.manage");
      const before = await this.loadTarget(write, parseGuid(id, "id"));
      // Usage location is not one of the sensitive attributes Entra guards on privileged
      // accounts: license administrators set it on anyone, administrators included.
      if (!onlyUsageLocation(input)) await this.ensureMayManage(write, before);
      const after = await this.applyInput(write, before, input);
      const store = new UserStore(write.tx);
      await store.update(after);
      write.modifiedProperties.push(...modifiedProperties(before, after, AUDITED_FIELDS));
      if (input.proxyAddresses != null) {
        const previous = (await store.proxyAddressesOf([after.id])).map((p) => p.address);
        const next = parseProxyAddresses(input.proxyAddresses);
        await this.ensureProxyAddressesAreFree(write, after.id, next);
        await store.replaceProxyAddresses(after.id, proxyRecords(after.id, next));
        if (JSON.stringify(previous) !== JSON.stringify(next)) write.modifiedProperties.push(...proxyChange(previous, next));
      }
      const fields = write.modifiedProperties.map((property) => property.displayName);
      if (fields.length > 0) await write.publish({ kind: "userChanged", userId: after.id, fields });
      await this.dynamic.syncUser(write, after);
      return after;
    });
  }

  delete(request: WriteRequest, id: string): Promise<UserRecord> {
    const operation = { activityDisplayName: "Delete user", category: "UserManagement", operationType: "Delete" } as const;
    const target = { id, displayName: null, type: "User", userPrincipalName: null };
    return this.writes.run(request, { ...operation, target }, async (write) => {
      write.demand("users.delete");
      const user = await this.loadTarget(write, parseGuid(id, "id"));
      await this.ensureMayManage(write, user);
      if (user.id === write.caller.id) throw conflict("You cannot delete the account you are signed in with.");
      const roles = new RoleStore(write.tx);
      if ((await roles.holds(user.id, GLOBAL_ADMINISTRATOR)) && (await roles.countHolders(GLOBAL_ADMINISTRATOR)) === 1) {
        throw conflict("This is the organization's last Global Administrator; assign the role to someone else first.");
      }
      await write.publish({ kind: "userDeleting", userId: user.id });
      await new UserStore(write.tx).delete(user.id);
      return user;
    });
  }

  /** Proxy addresses per user, in their stored order, for the proxyAddresses loader. */
  async proxyAddressesOf(userIds: readonly string[]): Promise<Map<string, string[]>> {
    const byUser = new Map<string, string[]>();
    for (const row of await new UserStore(this.db.manager).proxyAddressesOf(userIds)) {
      byUser.set(row.userId, [...(byUser.get(row.userId) ?? []), row.address]);
    }
    return byUser;
  }

  /** For authentication: the user a token names, with no permission needed. */
  async findForSignIn(key: { oid: string | null; preferredUsername: string | null }): Promise<UserRecord | null> {
    return (await this.signIn(key))?.user ?? null;
  }

  /** For authentication: the user a token names and the directory roles they hold (one statement), with no permission needed. */
  signIn(key: { oid: string | null; preferredUsername: string | null }): Promise<{ user: UserRecord; roleTemplateIds: string[] } | null> {
    const store = new UserStore(this.db.manager);
    if (key.oid) return /^[0-9a-f-]{36}$/i.test(key.oid) ? store.findForSignIn("id", key.oid.toLowerCase()) : Promise.resolve(null);
    return key.preferredUsername ? store.findForSignIn("upn_key", key.preferredUsername.toLowerCase()) : Promise.resolve(null);
  }

  /** Loads a user inside a write, or refuses the write with NOT_FOUND. */
  async load(write: Write, id: string): Promise<UserRecord> {
    const user = await new UserStore(write.tx).findById(id);
    if (!user) throw notFound("User", id);
    return user;
  }

  /** Loads the user a write is about and names it on the write's audit entry. */
  async loadTarget(write: Write, id: string): Promise<UserRecord> {
    const user = await this.load(write, id);
    Object.assign(write.target, { id: user.id, displayName: user.displayName, userPrincipalName: user.userPrincipalName });
    return user;
  }

  private async applyInput(write: Write, before: UserRecord, input: UserInput): Promise<UserRecord> {
    const after: UserRecord = { ...before };
    if (input.userPrincipalName != null) {
      after.userPrincipalName = parseUserPrincipalName(input.userPrincipalName, await this.organization.verifiedDomainNames(write.tx));
      after.upnKey = after.userPrincipalName.toLowerCase();
      if (after.upnKey !== before.upnKey) await this.ensureUpnIsFree(write, after);
    }
    if (input.displayName != null) after.displayName = parseDisplayName(input.displayName);
    if (input.mail !== undefined) after.mail = parseMail(input.mail);
    if (input.department !== undefined) after.department = parseOptionalText(input.department, "department", 64);
    if (input.jobTitle !== undefined) after.jobTitle = parseOptionalText(input.jobTitle, "jobTitle", 128);
    if (input.accountEnabled != null) after.accountEnabled = input.accountEnabled;
    if (input.usageLocation !== undefined) after.usageLocation = parseUsageLocation(input.usageLocation);
    return after;
  }

  /** Entra protects privileged accounts: only a Global Administrator may change or delete one. */
  private async ensureMayManage(write: Write, user: UserRecord): Promise<void> {
    if (isGlobalAdministrator(write.caller)) return;
    if (await new RoleStore(write.tx).holds(user.id, GLOBAL_ADMINISTRATOR)) throw forbidden();
  }

  private async ensureUpnIsFree(write: Write, user: UserRecord): Promise<void> {
    const holder = await new UserStore(write.tx).findByUpn(user.upnKey);
    if (holder && holder.id !== user.id) {
      throw conflict(
        `Another object with the same value for property userPrincipalName already exists: '${user.userPrincipalName}'. Choose another sign-in name.`,
        { field: "userPrincipalName" },
      );
    }
  }

  private async ensureProxyAddressesAreFree(write: Write, userId: string, proxyAddresses: readonly string[]): Promise<void> {
    const holders = await new UserStore(write.tx).holdersOf(proxyAddresses.map(proxyAddressKey), userId);
    if (holders.length === 0) return;
    const [holder] = holders;
    const owner = (await new UserStore(write.tx).findById(holder.userId))?.userPrincipalName ?? holder.userId;
    throw conflict(
      `Another object with the same value for property proxyAddresses already exists: '${holder.addressKey}' belongs to ${owner}. Proxy addresses must be unique in the organization.`,
      { field: "proxyAddresses", address: holder.addressKey, heldBy: holder.userId },
    );
  }
}

function onlyUsageLocation(input: UserInput): boolean {
  const given = Object.entries(input).filter(([, value]) => value !== undefined).map(([key]) => key);
  return given.length === 1 && given[0] === "usageLocation";
}

function normaliseFilter(filter: UserFilter): UserFilter {
  return { ...filter, usageLocation: filter.usageLocation ? parseUsageLocation(filter.usageLocation, "filter.usageLocation") : null };
}

function parseMail(value: string | null | undefined): string | null {
  const mail = parseOptionalText(value, "mail", 320);
  if (mail !== null && !isEmailAddress(mail)) throw badInput(`mail '${mail}' is not an email address.`, { field: "mail" });
  return mail;
}

function proxyRecords(userId: string, proxyAddresses: readonly string[]): ProxyAddressRecord[] {
  return proxyAddresses.map((address, position) => ({
    userId,
    address,
    addressKey: proxyAddressKey(address),
    isPrimary: address.startsWith("SMTP:"),
    position,
  }));
}

function proxyChange(previous: readonly string[], next: readonly string[]) {
  return [{ displayName: "ProxyAddresses", oldValue: JSON.stringify(previous), newValue: JSON.stringify(next) }];
}
