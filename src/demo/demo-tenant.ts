import { randomUUID } from "node:crypto";
import type { EntityManager } from "typeorm";
import { matchesRule, parseMembershipRule } from "../directory/membership-rule";
import { DYNAMIC_MEMBERSHIP, type GroupRecord, type OrganizationRecord, type UserRecord } from "../directory/model";
import {
  DIRECTORY_READERS,
  GLOBAL_ADMINISTRATOR,
  GLOBAL_READER,
  LICENSE_ADMINISTRATOR,
  USER_ADMINISTRATOR,
} from "../directory/roles";
import { GroupStore } from "../directory/stores/group.store";
import { OrganizationStore } from "../directory/stores/organization.store";
import { RoleStore } from "../directory/stores/role.store";
import { UserStore } from "../directory/stores/user.store";
import { proxyAddressKey } from "../directory/validation";
import { seedDemoLicensing } from "../licensing/demo";

/**
 * Contoso, the tenant a new installation starts with: an administrator in each role, users
 * spread over countries and departments (some with no usage location, so the licensing errors
 * can be shown), static groups, one dynamic group, and licenses (see licensing/demo.ts).
 */
const DOMAIN = "contoso.com";

// [mail nickname, display name, department, job title, usage location, extra proxy domain, enabled]
type DemoUser = [string, string, string, string, string | null, string | null, boolean?];
const USERS: DemoUser[] = [
  ["admin", "Contoso Administrator", "IT", "Global Administrator", "US", null],
  ["lena.fischer", "Lena Fischer", "IT", "Identity Engineer", "DE", null],
  ["omar.haddad", "Omar Haddad", "IT", "License Manager", "US", null],
  ["grace.kim", "Grace Kim", "Finance", "Auditor", "KR", null],
  ["priya.nair", "Priya Nair", "Support", "Support Engineer", "IN", null],
  ["ada.lovelace", "Ada Lovelace", "Sales", "Account Executive", "US", "sales.contoso.com"],
  ["carlos.mendes", "Carlos Mendes", "Sales", "Sales Manager", "BR", "sales.contoso.com"],
  ["sofia.rossi", "Sofia Rossi", "Sales", "Account Executive", "IT", null],
  ["john.smith", "John Smith", "Sales", "Sales Associate", null, null],
  ["emma.wilson", "Emma Wilson", "Sales", "Account Executive", "US", "sales.contoso.com"],
  ["yuki.tanaka", "Yuki Tanaka", "Marketing", "Marketing Lead", "JP", null],
  ["liam.oconnor", "Liam O'Connor", "Marketing", "Designer", "IE", null],
  ["noah.brown", "Noah Brown", "Marketing", "Content Writer", null, null],
  ["mei.chen", "Mei Chen", "Engineering", "Software Engineer", "US", null],
  ["aisha.bello", "Aisha Bello", "Engineering", "Software Engineer", "NG", null],
  ["lucas.martin", "Lucas Martin", "Engineering", "Engineering Manager", "FR", null],
  ["ines.garcia", "Inés García", "Engineering", "Site Reliability Engineer", null, null],
  ["tom.jensen", "Tom Jensen", "Engineering", "Software Engineer", "DK", null],
  ["fatima.zahra", "Fatima Zahra", "Support", "Support Engineer", "MA", null],
  ["david.cohen", "David Cohen", "Support", "Support Lead", null, null],
  ["old.account", "Former Employee", "Sales", "Account Executive", "US", null, false],
];

const ROLE_HOLDERS: [string, string][] = [
  ["admin", GLOBAL_ADMINISTRATOR],
  ["lena.fischer", USER_ADMINISTRATOR],
  ["omar.haddad", LICENSE_ADMINISTRATOR],
  ["grace.kim", GLOBAL_READER],
  ["priya.nair", DIRECTORY_READERS],
];

// [display name, description, members (nicknames) or a membership rule, mail nickname]
type DemoGroup = [string, string, string[] | string, string | null];
const GROUPS: DemoGroup[] = [
  ["All Sales", "Everyone in the sales department.", ["ada.lovelace", "carlos.mendes", "sofia.rossi", "john.smith", "emma.wilson"], null],
  ["Engineering", "Product engineering.", ["mei.chen", "aisha.bello", "lucas.martin", "ines.garcia", "tom.jensen"], null],
  ["Marketing", "Marketing team (mail-enabled security group).", ["yuki.tanaka", "liam.oconnor", "noah.brown"], "marketing"],
  ["Support", "Customer support.", ["priya.nair", "fatima.zahra", "david.cohen"], null],
  ["Sales US", "US sales staff, by rule.", '(user.department -eq "Sales") -and (user.usageLocation -eq "US")', null],
];

export interface SeedOptions {
  demoData: boolean;
}

/** Creates the organization (and, with demo data, the whole demo tenant) in an empty database. */
export async function seedIfEmpty(tx: EntityManager, options: SeedOptions): Promise<boolean> {
  if (await new OrganizationStore(tx).get()) return false;
  const organization: OrganizationRecord = {
    id: randomUUID(),
    displayName: "Contoso",
    verifiedDomains: [
      { name: DOMAIN, isDefault: true, isInitial: false },
      { name: "contoso.onmicrosoft.com", isDefault: false, isInitial: true },
    ],
    defaultUsageLocation: "US",
    createdDateTime: new Date(),
  };
  await new OrganizationStore(tx).insert(organization);
  const users = await seedUsers(tx, options.demoData ? USERS : USERS.slice(0, 1));
  for (const [nickname, role] of options.demoData ? ROLE_HOLDERS : ROLE_HOLDERS.slice(0, 1)) {
    await new RoleStore(tx).add(users.get(nickname)!.id, role);
  }
  if (options.demoData) await seedDemoLicensing(tx, users, await seedGroups(tx, users), new Date());
  return true;
}

async function seedUsers(tx: EntityManager, rows: DemoUser[]): Promise<Map<string, UserRecord>> {
  const store = new UserStore(tx);
  const users = new Map<string, UserRecord>();
  for (const [nickname, displayName, department, jobTitle, usageLocation, extraDomain, enabled] of rows) {
    const upn = `${nickname}@${DOMAIN}`;
    const user: UserRecord = {
      id: randomUUID(),
      userPrincipalName: upn,
      upnKey: upn,
      displayName,
      mail: upn,
      department,
      jobTitle,
      accountEnabled: enabled ?? true,
      usageLocation,
      createdDateTime: new Date(),
    };
    await store.insert(user);
    const proxies = [`SMTP:${upn}`, ...(extraDomain ? [`smtp:${nickname}@${extraDomain}`] : [])];
    await store.replaceProxyAddresses(
      user.id,
      proxies.map((address, position) => ({ userId: user.id, address, addressKey: proxyAddressKey(address), isPrimary: position === 0, position })),
    );
    users.set(nickname, user);
  }
  return users;
}

async function seedGroups(tx: EntityManager, users: Map<string, UserRecord>): Promise<Map<string, GroupRecord>> {
  const store = new GroupStore(tx);
  const groups = new Map<string, GroupRecord>();
  for (const [displayName, description, membership, mailNickname] of GROUPS) {
    const rule = typeof membership === "string" ? membership : null;
    const group: GroupRecord = {
      id: randomUUID(),
      displayName,
      description,
      securityEnabled: true,
      mailEnabled: mailNickname !== null,
      mailNickname,
      groupTypes: rule ? [DYNAMIC_MEMBERSHIP] : [],
      membershipRule: rule,
      membershipRuleProcessingState: rule ? "On" : null,
      createdDateTime: new Date(),
    };
    await store.insert(group);
    const members = rule
      ? [...users.values()].filter((user) => matchesRule(parseMembershipRule(rule), user))
      : (membership as string[]).map((nickname) => users.get(nickname)!);
    await store.addMembers(group.id, members.map((user) => user.id));
    groups.set(displayName, group);
  }
  return groups;
}
