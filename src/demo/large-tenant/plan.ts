import { DYNAMIC_MEMBERSHIP } from "../../directory/model";
import { DIRECT } from "../../licensing/model";
import type { SubscriptionRecord } from "../../licensing/model";
import { problems, type Catalog, type LicenseError } from "../../licensing/engine";
import { loadProducts } from "../../licensing/catalog";
import { GROUP_LICENSING_APP } from "../../licensing/services/queue";

/**
 * A large tenant, described row by row for the bulk writers: users spread over departments and
 * countries (some without a usage location), static groups from 5 to 200,000 members, a few
 * dynamic groups, subscriptions, direct and group-based licenses with the errors the service
 * would record, and a year of audit entries. Everything is computed from the user's index, so
 * the tables can be streamed in key order without holding a million objects, and the same
 * options always give the same tenant.
 *
 * The licenses are laid out so that the licensing engine, run again over the result, changes
 * nothing: the licensed groups hold disjoint ranges of users, the E5 group
 * has fewer seats than members (the members past the last seat in CountViolation, in the order the
 * processor takes them), and direct E1 licenses go to users in no licensed group but a few of
 * the E3 group's, whose E3 then conflicts with it (MutuallyExclusiveViolation, as in Entra).
 */

export interface LargeTenantOptions {
  users: number;
  groups: number;
  /** The seed's "now": users were created over the year before it. */
  now: Date;
  /** Where the generated ids start (a UNIX time in ms, the ids being time-ordered UUIDs). */
  idBase?: number;
  /**
   * Audit entries to hold at least (default: only those below): the year's other changes are
   * added, spread over it, until the log holds this many.
   */
  auditEntries?: number;
}

export interface TableRows {
  table: string;
  columns: readonly string[];
  /** Which columns are booleans and integers (the writers encode them per engine). */
  types: readonly ColumnType[];
  count: number;
  rows: () => Iterable<unknown[]>;
}

export type ColumnType = "text" | "boolean" | "integer";

const DOMAIN = "contoso.com";
const YEAR_MS = 365 * 24 * 3600 * 1000;

const FIRST = ("Ada Aisha Akira Alex Amara Ana Ben Carlos Chloe Daniel David Elena Emma Fatima Hana Ines Ivan Jonas Julia Kai " +
  "Lara Liam Lucas Maya Mei Mohammed Nadia Noah Olga Omar Priya Rafael Sara Sofia Tom Uma Victor Wei Yara Yuki Zoe").split(" ");
const LAST = ("Abe Bello Brown Chen Cohen Costa Dubois Eriksen Fischer Garcia Gupta Haddad Hansen Ito Jensen Khan Kim Kowalski Lopez " +
  "Martin Meyer Mendes Moreau Nair Novak Okafor Oconnor Park Petrov Rossi Santos Schmidt Silva Smith Tanaka Weber Wilson Yilmaz Zahra").split(" ");
export const DEPARTMENTS = ["Sales", "Engineering", "Marketing", "Support", "Finance", "Human Resources", "Legal", "Operations", "Research", "IT", "Manufacturing", "Procurement"];
const TITLES = ["Associate", "Specialist", "Engineer", "Analyst", "Manager", "Senior Engineer", "Consultant", "Director", "Coordinator", "Lead"];
// Weighted: the first ones come up more often.
const COUNTRIES = "US US US US US US GB GB DE DE FR IN IN JP BR CA AU NL ES IT SE PL MX SG ZA IE CH KR".split(" ");

/** Products and how the tenant holds them (fractions of the user count). */
export const PRODUCTS = {
  e3: { skuId: "6fd2c87f-b296-42f0-b197-1e91e994b900", partNumber: "ENTERPRISEPACK" },
  ems: { skuId: "efccb6f7-5641-4e0e-bd10-b4976e1bf68e", partNumber: "EMS" },
  e5: { skuId: "c7df2760-2c81-4ef7-b578-5b5392b571df", partNumber: "ENTERPRISEPREMIUM" },
  e1: { skuId: "18181a46-0d4e-45cd-891e-60aabd171b4e", partNumber: "STANDARDPACK" },
} as const;

/** An integer hash of an index and a salt (the tenant must not look striped). */
function mix(i: number, salt: number): number {
  let x = (i + 1) * 0x9e3779b1 + salt * 0x85ebca6b;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/** A time-ordered (version 7) UUID for the n-th object of a kind: ids sort in index order. */
function orderedId(base: number, kind: number, n: number): string {
  const time = (base + n).toString(16).padStart(12, "0");
  const tail = mix(n, kind).toString(16).padStart(8, "0") + kind.toString(16).padStart(4, "0");
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${(mix(n, kind + 7) & 0xfff).toString(16).padStart(3, "0")}-a${tail.slice(0, 3)}-${tail.slice(3, 15).padEnd(12, "0")}`;
}

interface Range {
  /** First user index (inclusive) and end (exclusive). */
  from: number;
  to: number;
}

interface GroupPlan {
  index: number;
  id: string;
  displayName: string;
  description: string;
  mailNickname: string | null;
  rule: string | null;
  /** Static groups: a window of users (wrapping at the end); dynamic ones: a department. */
  window: Range | null;
  department: number | null;
  products: (keyof typeof PRODUCTS)[];
}

export class LargeTenantPlan {
  readonly users: number;
  readonly groups: GroupPlan[] = [];
  private readonly idBase: number;
  private readonly createdFrom: number;

  /** Licensed ranges: E3 + EMS through the first group, E5 through the second, E1 directly. */
  readonly e3Group: Range;
  readonly e5Group: Range;
  readonly e1Direct: Range;
  readonly e5Seats: number;

  constructor(readonly options: LargeTenantOptions) {
    const n = options.users;
    if (!Number.isInteger(n) || n < 100) throw new Error("a large tenant needs at least 100 users");
    if (!Number.isInteger(options.groups) || options.groups < 5) throw new Error("a large tenant needs at least 5 groups");
    this.users = n;
    this.idBase = options.idBase ?? options.now.getTime() - 2 * YEAR_MS;
    this.createdFrom = options.now.getTime() - YEAR_MS;
    this.e3Group = { from: 0, to: Math.floor(n * 0.2) };
    this.e5Group = { from: Math.floor(n * 0.2), to: Math.floor(n * 0.3) };
    this.e1Direct = { from: Math.floor(n * 0.5), to: Math.floor(n * 0.6) };
    this.e5Seats = Math.floor((this.e5Group.to - this.e5Group.from) * 0.8);
    this.planGroups();
  }

  private planGroups(): void {
    const n = this.users;
    const scale = (size: number) => Math.max(5, Math.min(n, Math.round((size * n) / 1_000_000)));
    const add = (displayName: string, description: string, window: Range | null, extra: Partial<GroupPlan> = {}) => {
      const index = this.groups.length;
      this.groups.push({
        index,
        id: orderedId(this.idBase, 2, index),
        displayName,
        description,
        mailNickname: null,
        rule: null,
        window,
        department: null,
        products: [],
        ...extra,
      });
    };
    add("Licensing - Microsoft 365 E3", "Everyone who works with Office: E3 and EMS through group-based licensing.", this.e3Group, { products: ["e3", "ems"] });
    add("Licensing - Microsoft 365 E5", "Security and analytics staff: E5 through group-based licensing.", this.e5Group, { products: ["e5"] });
    const dynamic = Math.min(3, this.options.groups - 2);
    for (let d = 0; d < dynamic; d++) {
      const department = DEPARTMENTS[d]!;
      add(`${department} (dynamic)`, `Everyone in ${department}, by rule.`, null, { rule: `user.department -eq "${department}"`, department: d });
    }
    const big = [200_000, 100_000, 50_000, 20_000, 10_000];
    for (let g = this.groups.length; g < this.options.groups; g++) {
      const k = g - 2 - dynamic;
      // A handful of very large groups, then sizes from 5 up to about 2,000, most of them small.
      const size = k < big.length ? scale(big[k]!) : Math.min(n, Math.round(5 * Math.pow(400, Math.pow(mix(g, 11) / 0x100000000, 3))));
      const from = mix(g, 13) % n;
      const department = DEPARTMENTS[mix(g, 17) % DEPARTMENTS.length]!;
      add(`${department} team ${g}`, `Project and team group ${g}.`, { from, to: from + size }, { mailNickname: mix(g, 19) % 4 === 0 ? `team${g}` : null });
    }
  }

  // ----- users -----

  userId(i: number): string {
    return orderedId(this.idBase, 1, i);
  }

  department(i: number): number {
    return mix(i, 3) % DEPARTMENTS.length;
  }

  usageLocation(i: number): string | null {
    return mix(i, 5) % 50 === 0 ? null : COUNTRIES[mix(i, 7) % COUNTRIES.length]!;
  }

  private names(i: number): { displayName: string; upn: string } {
    const first = FIRST[mix(i, 1) % FIRST.length]!;
    const last = LAST[mix(i, 2) % LAST.length]!;
    return { displayName: `${first} ${last}`, upn: `${first}.${last}.${i}@${DOMAIN}`.toLowerCase() };
  }

  private createdAt(i: number): string {
    return new Date(this.createdFrom + Math.floor((i * (YEAR_MS - 3600_000)) / this.users)).toISOString();
  }

  private usersTable(): TableRows {
    return {
      table: "users",
      columns: ["id", "user_principal_name", "upn_key", "display_name", "mail", "department", "job_title", "account_enabled", "usage_location", "created_date_time"],
      types: ["text", "text", "text", "text", "text", "text", "text", "boolean", "text", "text"],
      count: this.users,
      rows: () => this.each(this.users, (i) => {
        const { displayName, upn } = this.names(i);
        return [this.userId(i), upn, upn, displayName, upn, DEPARTMENTS[this.department(i)], TITLES[mix(i, 9) % TITLES.length], mix(i, 10) % 40 !== 0, this.usageLocation(i), this.createdAt(i)];
      }),
    };
  }

  private proxyAddressesTable(): TableRows {
    return {
      table: "user_proxy_addresses",
      columns: ["user_id", "address_key", "address", "is_primary", "position"],
      types: ["text", "text", "text", "boolean", "integer"],
      count: this.users,
      rows: () => this.each(this.users, (i) => {
        const { upn } = this.names(i);
        return [this.userId(i), upn, `SMTP:${upn}`, true, 0];
      }),
    };
  }

  // ----- groups -----

  private groupsTable(): TableRows {
    return {
      table: "directory_groups",
      columns: ["id", "display_name", "description", "security_enabled", "mail_enabled", "mail_nickname", "group_types", "membership_rule", "membership_rule_processing_state", "created_date_time"],
      types: ["text", "text", "text", "boolean", "boolean", "text", "text", "text", "text", "text"],
      count: this.groups.length,
      rows: () =>
        this.groups.map((group) => [
          group.id,
          group.displayName,
          group.description,
          true,
          group.mailNickname !== null,
          group.mailNickname,
          JSON.stringify(group.rule ? [DYNAMIC_MEMBERSHIP] : []),
          group.rule,
          group.rule ? "On" : null,
          this.createdAt(Math.floor((group.index * this.users) / (this.groups.length * 4))),
        ]),
    };
  }

  /** A group's members' indexes in ascending order. */
  *membersOf(group: GroupPlan): Iterable<number> {
    if (group.department !== null) {
      for (let i = 0; i < this.users; i++) if (this.department(i) === group.department) yield i;
      return;
    }
    const { from, to } = group.window!;
    // A window past the end wraps to the start: the wrapped part comes first in key order.
    for (let i = 0; i < to - this.users; i++) yield i;
    for (let i = from; i < Math.min(to, this.users); i++) yield i;
  }

  memberCount(group: GroupPlan): number {
    if (group.department === null) return group.window!.to - group.window!.from;
    let count = 0;
    for (let i = 0; i < this.users; i++) if (this.department(i) === group.department) count++;
    return count;
  }

  private membershipsTable(): TableRows {
    let count = 0;
    for (const group of this.groups) count += this.memberCount(group);
    const self = this;
    return {
      table: "group_members",
      // Each membership with its user's display name (GroupMemberRecord).
      columns: ["group_id", "user_id", "display_name"],
      types: ["text", "text", "text"],
      count,
      rows: function* () {
        for (const group of self.groups) for (const i of self.membersOf(group)) yield [group.id, self.userId(i), self.names(i).displayName];
      },
    };
  }

  // ----- licensing -----

  subscriptions(): SubscriptionRecord[] {
    const n = this.users;
    const consumed = this.consumed();
    const created = new Date(this.createdFrom);
    const record = (product: keyof typeof PRODUCTS, enabledUnits: number): SubscriptionRecord => ({
      skuId: PRODUCTS[product].skuId,
      skuPartNumber: PRODUCTS[product].partNumber,
      appliesTo: "User",
      capabilityStatus: "Enabled",
      enabledUnits,
      suspendedUnits: 0,
      warningUnits: 0,
      lockedOutUnits: 0,
      consumedUnits: consumed[product],
      createdDateTime: created,
    });
    return [record("e3", Math.ceil(n * 0.25)), record("ems", Math.ceil(n * 0.25)), record("e5", this.e5Seats), record("e1", Math.ceil(n * 0.12))];
  }

  /** Seats in use per product: one per user whose license is Active. */
  consumed(): Record<keyof typeof PRODUCTS, number> {
    const counts = { e3: 0, ems: 0, e5: 0, e1: 0 };
    for (const [, product, state] of this.assignments()) if (state === "Active") counts[product] += 1;
    return counts;
  }

  /**
   * Users of the E3 group who also hold E1 directly: E1's Exchange plan excludes E3's, so the
   * group's E3 stays in MutuallyExclusiveViolation and its EMS, from the same group, in Other.
   */
  conflicted(i: number): boolean {
    return i >= this.e3Group.from && i < this.e3Group.to && mix(i, 23) % 97 === 0;
  }

  /**
   * [user index, product, state, error, group index or null], user by user. Group-based
   * licensing takes the tenant's default usage location for users who have none, so they are
   * licensed like the others; a direct license needs the user's own.
   */
  *assignments(): Iterable<[number, keyof typeof PRODUCTS, "Active" | "Error", LicenseError | null, number | null]> {
    let e5Taken = 0;
    for (let i = 0; i < this.users; i++) {
      if (this.conflicted(i)) {
        yield [i, "e1", "Active", null, null];
        yield [i, "e3", "Error", "MutuallyExclusiveViolation", 0];
        yield [i, "ems", "Error", "Other", 0];
      } else if (i >= this.e3Group.from && i < this.e3Group.to) {
        yield [i, "e3", "Active", null, 0];
        yield [i, "ems", "Active", null, 0];
      } else if (i >= this.e5Group.from && i < this.e5Group.to) {
        if (e5Taken < this.e5Seats) {
          e5Taken += 1;
          yield [i, "e5", "Active", null, 1];
        } else yield [i, "e5", "Error", "CountViolation", 1];
      } else if (i >= this.e1Direct.from && i < this.e1Direct.to && this.usageLocation(i) !== null) {
        yield [i, "e1", "Active", null, null];
      }
    }
  }

  private assignmentCount(): number {
    let count = 0;
    for (const _ of this.assignments()) count++;
    return count;
  }

  private assignmentsTable(): TableRows {
    const updated = new Date(this.options.now.getTime() - 3600_000).toISOString();
    const self = this;
    return {
      table: "license_assignments",
      columns: ["user_id", "sku_id", "source", "disabled_plans", "state", "error", "last_updated_date_time"],
      types: ["text", "text", "text", "text", "text", "text", "text"],
      count: this.assignmentCount(),
      rows: function* () {
        for (const [i, product, state, error, group] of self.assignments()) {
          yield [self.userId(i), PRODUCTS[product].skuId, group === null ? DIRECT : self.groups[group]!.id, "[]", state, error, updated];
        }
      },
    };
  }

  private groupLicensesTable(): TableRows {
    const rows = this.groups.flatMap((group) => group.products.map((product) => [group.id, PRODUCTS[product].skuId, "[]"]));
    return { table: "group_licenses", columns: ["group_id", "sku_id", "disabled_plans"], types: ["text", "text", "text"], count: rows.length, rows: () => rows };
  }

  /** Per licensed group: members whose licenses all hold, and members with one in error. */
  outcomes(): Map<number, { succeeded: number; failed: number }> {
    const outcomes = new Map<number, { succeeded: number; failed: number }>();
    const failedUsers = new Map<number, Set<number>>();
    const allUsers = new Map<number, Set<number>>();
    for (const [i, , state, , group] of this.assignments()) {
      if (group === null) continue;
      if (!allUsers.has(group)) allUsers.set(group, new Set());
      allUsers.get(group)!.add(i);
      if (state === "Error") {
        if (!failedUsers.has(group)) failedUsers.set(group, new Set());
        failedUsers.get(group)!.add(i);
      }
    }
    for (const [group, users] of allUsers) {
      const failed = failedUsers.get(group)?.size ?? 0;
      outcomes.set(group, { succeeded: users.size - failed, failed });
    }
    return outcomes;
  }

  private processingTable(): TableRows {
    const done = new Date(this.options.now.getTime() - 3600_000).toISOString();
    const rows = [...this.outcomes()].map(([group, { succeeded, failed }]) => [this.groups[group]!.id, "ProcessingComplete", succeeded, failed, done, succeeded + failed, done]);
    return {
      table: "group_license_processing",
      columns: ["group_id", "state", "succeeded", "failed", "updated_date_time", "queued", "started_date_time"],
      types: ["text", "text", "integer", "integer", "text", "integer", "text"],
      count: rows.length,
      rows: () => rows,
    };
  }

  // ----- audit -----

  /**
   * The audit log: "Add user" when each user was created (spread over the year), an "Update user"
   * for every other user some days later, and the group-based licensing failures of the last run.
   * With `auditEntries` above that count, the rest of a busy year's administration is spread
   * evenly over it (see busyEntry). Entries come in time order with explicit sequence numbers
   * from `firstSeq`.
   */
  auditTables(firstSeq: number, admin: { id: string; userPrincipalName: string; displayName: string }): TableRows[] {
    const adminJson = JSON.stringify({ kind: "user", ...admin });
    const appJson = JSON.stringify(GROUP_LICENSING_APP);
    const self = this;
    // One failure entry per license left in error, as the processor records them.
    const failures: [number, keyof typeof PRODUCTS, LicenseError, number][] = [];
    for (const [i, product, state, error, group] of this.assignments()) if (state === "Error" && group !== null) failures.push([i, product, error!, group]);
    const updates = Math.floor(this.users / 2);
    const base = this.users + updates + failures.length;
    const busy = Math.max(0, (this.options.auditEntries ?? 0) - base);
    const count = base + busy;
    const userTarget = (i: number, properties: unknown[] = []) => {
      const { displayName, upn } = self.names(i);
      return { id: self.userId(i), displayName, type: "User", userPrincipalName: upn, modifiedProperties: properties };
    };
    const target = (i: number, properties: unknown[] = []) => JSON.stringify([userTarget(i, properties)]);
    // Entries: [seq, user index, kind, extra]; kind 0 = add, 1 = update (extra: the user whose
    // creation it follows), 2 = licensing failure (extra: its index in failures), 3 = one of the
    // busy year's entries (extra: its number, 0 to busy - 1).
    function* entries(): Iterable<[number, number, number, number]> {
      let seq = firstSeq;
      let k = 0;
      for (let i = 0; i < self.users; i++) {
        // Busy entry k happens at k/busy of the year, before user i's creation when k/busy < i/users;
        // it concerns a user created before it (the first user for those before any other).
        for (; k < busy && k * self.users < i * busy; k++) yield [seq++, mix(k, 12) % Math.max(1, i), 3, k];
        yield [seq++, i, 0, 0];
        // The update of user i/2*2 lands after the creation of user i: still in time order.
        if (i % 2 === 1) yield [seq++, i - 1, 1, i];
      }
      for (; k < busy; k++) yield [seq++, mix(k, 12) % self.users, 3, k];
      for (let f = 0; f < failures.length; f++) yield [seq++, failures[f]![0], 2, f];
    }
    const busyAt = (k: number) => new Date(this.createdFrom + Math.floor((k * (YEAR_MS - 3600_000)) / Math.max(1, busy))).toISOString();
    const countViolation = busy > 0 ? failureMessage("e5", "CountViolation") : "";
    /**
     * A busy year's entry k about user i, by the administrator: two in five update a user's job
     * title, one in four adds a user to a group, one in five assigns a license directly (one in
     * twenty of all fails, no seats left), one in ten renames a group.
     */
    const busyEntry = (seq: number, id: string, i: number, k: number): unknown[] => {
      const at = busyAt(k);
      const kind = mix(k, 11) % 20;
      const group = self.groups[mix(k, 13) % self.groups.length]!;
      const groupTarget = (properties: unknown[]) => ({ id: group.id, displayName: group.displayName, type: "Group", userPrincipalName: null, modifiedProperties: properties });
      const entry = (activity: string, category: string, operation: string, targets: unknown[], result = "success", reason = "") => [seq, id, at, activity, category, operation, "Core Directory", admin.id, adminJson, JSON.stringify(targets), result, reason, null];
      if (kind < 8) {
        const title = TITLES[mix(k, 14) % TITLES.length];
        return entry("Update user", "UserManagement", "Update", [userTarget(i, [{ displayName: "JobTitle", oldValue: null, newValue: JSON.stringify(title) }])]);
      }
      if (kind < 13) {
        const member = { displayName: "Member", oldValue: null, newValue: JSON.stringify(self.names(i).upn) };
        return entry("Add member to group", "GroupManagement", "Add", [groupTarget([member]), userTarget(i)]);
      }
      if (kind < 18) {
        const failed = kind === 17;
        const properties = [{ displayName: "SkuId", oldValue: null, newValue: failed ? PRODUCTS.e5.skuId : PRODUCTS.e1.skuId }];
        return entry("Change user license", "UserManagement", "Assign", [userTarget(i, properties)], failed ? "failure" : "success", failed ? countViolation : "");
      }
      const renamed = { displayName: "Description", oldValue: JSON.stringify(group.description), newValue: JSON.stringify(`${group.description} (reviewed)`) };
      return entry("Update group", "GroupManagement", "Update", [groupTarget([renamed])]);
    };
    /** The ids busyEntry(…, i, k) names in its targets, in order. */
    const busyTargets = (i: number, k: number): string[] => {
      const kind = mix(k, 11) % 20;
      const group = () => self.groups[mix(k, 13) % self.groups.length]!.id;
      return kind < 8 || (kind >= 13 && kind < 18) ? [self.userId(i)] : kind < 13 ? [group(), self.userId(i)] : [group()];
    };
    let targetRows = base;
    for (let k = 0; k < busy; k++) targetRows += busyTargets(0, k).length;
    const failedAt = new Date(this.options.now.getTime() - 3600_000).toISOString();
    return [
      {
        table: "directory_audits",
        columns: ["seq", "id", "activity_date_time", "activity_display_name", "category", "operation_type", "logged_by_service", "initiator_id", "initiated_by", "target_resources", "result", "result_reason", "correlation_id"],
        types: ["integer", "text", "text", "text", "text", "text", "text", "text", "text", "text", "text", "text", "text"],
        count,
        rows: function* () {
          for (const [seq, i, kind, extra] of entries()) {
            const id = orderedId(self.idBase, 3, seq);
            if (kind === 0) {
              yield [seq, id, self.createdAt(i), "Add user", "UserManagement", "Add", "Core Directory", admin.id, adminJson, target(i), "success", "", null];
            } else if (kind === 3) {
              yield busyEntry(seq, id, i, extra);
            } else if (kind === 1) {
              const title = TITLES[mix(i, 9) % TITLES.length];
              yield [seq, id, self.createdAt(extra), "Update user", "UserManagement", "Update", "Core Directory", admin.id, adminJson, target(i, [{ displayName: "JobTitle", oldValue: null, newValue: JSON.stringify(title) }]), "success", "", null];
            } else {
              const [, product, error, groupIndex] = failures[extra]!;
              const group = self.groups[groupIndex]!;
              const message = failureMessage(product, error);
              const properties = [
                { displayName: "SkuId", oldValue: null, newValue: PRODUCTS[product].skuId },
                { displayName: "AssignedByGroup", oldValue: null, newValue: group.id },
                { displayName: "LicenseError", oldValue: null, newValue: error },
              ];
              yield [seq, id, failedAt, "Change user license", "UserManagement", "Update", "Core Directory", null, appJson, target(i, properties), "failure", message, null];
            }
          }
        },
      },
      {
        table: "directory_audit_targets",
        columns: ["audit_seq", "target_id"],
        types: ["integer", "text"],
        count: targetRows,
        rows: function* () {
          for (const [seq, i, kind, extra] of entries()) {
            if (kind !== 3) yield [seq, self.userId(i)];
            else for (const targetId of busyTargets(i, extra)) yield [seq, targetId];
          }
        },
      },
    ];
  }

  /** The tables in the order they are written (referenced tables first). */
  tables(): TableRows[] {
    return [this.usersTable(), this.proxyAddressesTable(), this.groupsTable(), this.membershipsTable(), this.groupLicensesTable(), this.processingTable(), this.assignmentsTable()];
  }

  private *each(count: number, row: (i: number) => unknown[]): Iterable<unknown[]> {
    for (let i = 0; i < count; i++) yield row(i);
  }
}

/** The message the processor records with a failure, as the engine words it. */
function failureMessage(product: keyof typeof PRODUCTS, error: LicenseError): string {
  const products = loadProducts();
  const catalog: Catalog = { skus: products.skus, plans: products.plans, rules: { mutuallyExclusive: [], dependencies: [], locationRestrictions: [], mailboxPlans: [] } as unknown as Catalog["rules"] };
  const skuId = PRODUCTS[product].skuId;
  switch (error) {
    case "MutuallyExclusiveViolation": {
      const plan = (name: string) => products.plansByName.get(name)?.[0] ?? name;
      return problems.conflict(catalog, skuId, plan("EXCHANGE_S_STANDARD"), plan("EXCHANGE_S_ENTERPRISE")).message;
    }
    case "Other":
      return problems.sibling(catalog, skuId, PRODUCTS.e3.skuId).message;
    default:
      return problems.noSeats(catalog, skuId).message;
  }
}
