import type { EntityManager } from "typeorm";
import { changed, type ModifiedProperty } from "../../audit/model";
import type { IdQuery } from "../../db/id-query";
import { HelpgateError } from "../../errors";
import type { GroupRecord, Licensee, MemberRun, OrganizationRecord, UserRecord } from "../model";
import { GroupStore } from "../stores/group.store";
import { OrganizationStore } from "../stores/organization.store";
import { UserStore } from "../stores/user.store";
import { primarySmtpAddress, proxyAddressKey } from "../validation";

/** A user's proxy addresses, and the keys of those another user holds too. */
export interface UserMailbox {
  addresses: string[];
  heldByOthers: string[];
}

/**
 * What other modules may read and change in the directory, on the transaction (or reader) they
 * work in. Licensing uses it; it never reaches into the directory's stores itself.
 */
export class DirectoryFacts {
  constructor(private readonly manager: EntityManager) {}

  users(ids: readonly string[]): Promise<UserRecord[]> {
    return new UserStore(this.manager).findByIds(ids);
  }

  /** What licensing needs of these users, those that exist. */
  licensees(ids: readonly string[]): Promise<Licensee[]> {
    return new UserStore(this.manager).licensees(ids);
  }

  user(id: string): Promise<UserRecord | null> {
    return new UserStore(this.manager).findById(id);
  }

  /**
   * Locks users whose licenses this transaction will recompute and reads what licensing needs of
   * them (see UserStore.lockLicensees): those now held, and the ids of existing ones another
   * transaction holds.
   */
  lockLicensees(ids: readonly string[], options: { skipLocked?: boolean } = {}): Promise<{ held: Licensee[]; busy: string[] }> {
    return new UserStore(this.manager).lockLicensees(ids, options.skipLocked ?? false);
  }

  /** Locks users whose licenses this transaction will recompute (see UserStore.lock); returns those that exist. */
  lockUsers(ids: readonly string[], options: { skipLocked?: boolean } = {}): Promise<string[]> {
    return new UserStore(this.manager).lock(ids, options.skipLocked ?? false);
  }

  group(id: string): Promise<GroupRecord | null> {
    return new GroupStore(this.manager).findById(id);
  }

  async organization(): Promise<OrganizationRecord> {
    const organization = await new OrganizationStore(this.manager).get();
    if (!organization) throw new HelpgateError("INTERNAL_SERVER_ERROR", "The directory has no organization.");
    return organization;
  }

  dynamicGroups(): Promise<GroupRecord[]> {
    return new GroupStore(this.manager).dynamicGroups();
  }

  async memberIds(groupId: string): Promise<string[]> {
    return [...(await new GroupStore(this.manager).memberIds(groupId))];
  }

  /** The group's direct user members as a subquery of ids, for another module's statement. */
  memberIdQuery(groupId: string): IdQuery {
    return new GroupStore(this.manager).memberIdQuery(groupId);
  }

  /** The group's members cut into runs of `size` in the database's key order: first and last id, and how many. */
  memberRuns(groupId: string, size: number): Promise<MemberRun[]> {
    return new GroupStore(this.manager).memberRuns(groupId, size);
  }

  /** Up to `limit` member ids of the group between two ids (both included), in key order. */
  memberIdsBetween(groupId: string, firstUserId: string, lastUserId: string, limit: number): Promise<string[]> {
    return new GroupStore(this.manager).memberIdsBetween(groupId, firstUserId, lastUserId, limit);
  }

  /** The groups each user is a direct member of, as ids. */
  groupIdsOf(userIds: readonly string[]): Promise<Map<string, string[]>> {
    return new GroupStore(this.manager).groupIdsOf(userIds);
  }

  /** Each user's proxy addresses, and the keys of those another user holds too. */
  async mailboxesOf(userIds: readonly string[]): Promise<Map<string, UserMailbox>> {
    const byUser = new Map<string, UserMailbox>();
    for (const row of await new UserStore(this.manager).proxyAddressesWithClashes(userIds)) {
      let mailbox = byUser.get(row.userId);
      if (!mailbox) byUser.set(row.userId, (mailbox = { addresses: [], heldByOthers: [] }));
      mailbox.addresses.push(row.address);
      if (row.clashingKey !== null) mailbox.heldByOthers.push(row.clashingKey);
    }
    return byUser;
  }

  /** For each address (any prefix or case), the users who hold it. */
  async holdersOf(addresses: readonly string[]): Promise<Map<string, string[]>> {
    const rows = await new UserStore(this.manager).holdersOf([...new Set(addresses.map(proxyAddressKey))], null);
    const byKey = new Map<string, string[]>();
    for (const row of rows) {
      const list = byKey.get(row.addressKey);
      if (list) list.push(row.userId);
      else byKey.set(row.addressKey, [row.userId]);
    }
    return byKey;
  }

  /** Addresses held by more than one user, with their holders. */
  async duplicateProxyAddresses(): Promise<{ addressKey: string; userIds: string[] }[]> {
    return new UserStore(this.manager).duplicateProxyAddresses();
  }

  /**
   * Gives a user who is getting a mailbox the addresses Exchange would: the sign-in name as the
   * primary SMTP address plus the tenant's initial domain. Returns the audit changes, none when
   * the user already has a primary address.
   */
  async provisionMailbox(user: Licensee, addresses: readonly string[]): Promise<ModifiedProperty[]> {
    const store = new UserStore(this.manager);
    const previous = (await store.proxyAddressesOf([user.id])).map((row) => row.address);
    if (primarySmtpAddress(previous)) return [];
    const mail = primarySmtpAddress(addresses);
    await store.replaceProxyAddresses(
      user.id,
      addresses.map((address, position) => ({ userId: user.id, address, addressKey: proxyAddressKey(address), isPrimary: address.startsWith("SMTP:"), position })),
    );
    await store.setMail(user.id, mail);
    return [changed("ProxyAddresses", previous, addresses), ...(user.mail === mail ? [] : [changed("Mail", user.mail, mail)])];
  }
}

/** The proxy addresses a mailbox gives a user who has none: what Exchange calculates. */
export function calculatedProxyAddresses(user: Pick<UserRecord, "userPrincipalName">, organization: OrganizationRecord): string[] {
  const initial = organization.verifiedDomains.find((domain) => domain.isInitial)?.name;
  const local = user.userPrincipalName.split("@")[0];
  return [`SMTP:${user.userPrincipalName}`, ...(initial ? [`smtp:${local}@${initial}`] : [])];
}
