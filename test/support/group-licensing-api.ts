import { randomUUID } from "node:crypto";
import { GroupStore } from "../../src/directory/stores/group.store";
import { UserStore } from "../../src/directory/stores/user.store";
import { TestGateway } from "./harness";

export { PLAN, SKU } from "./catalog-ids";

export interface License {
  skuId: string;
  disabledPlans?: string[];
}

export interface TestUser {
  id: string;
  userPrincipalName: string;
}

export interface AssignmentState {
  skuId: string;
  skuPartNumber: string;
  assignedByGroup: string | null;
  state: string;
  error: string;
  disabledPlans: string[];
  lastUpdatedDateTime: string;
}

export interface AuditEntry {
  activityDisplayName: string;
  result: string;
  resultReason: string;
  initiatedBy: { user: { id: string } | null; app: { displayName: string } | null };
  targetResources: { id: string | null; type: string; modifiedProperties: { displayName: string; oldValue: string | null; newValue: string | null }[] }[];
}

const CREATE_USER = "mutation($input: CreateUserInput!) { createUser(input: $input) { id userPrincipalName } }";
const CREATE_GROUP = "mutation($input: CreateGroupInput!) { createGroup(input: $input) { id } }";
const ADD_MEMBER = "mutation($g: ID!, $u: ID!) { addGroupMember(groupId: $g, userId: $u) { id } }";
const REMOVE_MEMBER = "mutation($g: ID!, $u: ID!) { removeGroupMember(groupId: $g, userId: $u) { id } }";
export const ASSIGN_GROUP_LICENSE = `mutation($g: ID!, $add: [AssignedLicenseInput!], $remove: [ID!]) {
  assignGroupLicense(groupId: $g, addLicenses: $add, removeLicenses: $remove) { id assignedLicenses { skuId disabledPlans } licenseProcessingState { state } }
}`;
const ASSIGN_LICENSE = `mutation($u: ID!, $add: [AssignedLicenseInput!], $remove: [ID!]) {
  assignLicense(userId: $u, addLicenses: $add, removeLicenses: $remove) { id }
}`;
const STATES = `query($id: ID) { user(id: $id) { licenseAssignmentStates {
  skuId skuPartNumber assignedByGroup state error disabledPlans lastUpdatedDateTime } } }`;
const SEATS = "query($id: ID) { subscribedSku(skuId: $id) { consumedUnits prepaidUnits { enabled } servicePlans { servicePlanId } } }";
const SET_UNITS = "mutation($id: ID!, $enabled: Int) { updateSubscription(skuId: $id, prepaidUnits: { enabled: $enabled }) { skuId } }";
const GROUP = `query($id: ID!) { group(id: $id) {
  assignedLicenses { skuId disabledPlans }
  licenseProcessingState { state }
  hasMembersWithLicenseErrors
  membersWithLicenseErrors(first: 100) { totalCount edges { node { id } } } } }`;
const MEMBER_STATES = `query($id: ID!, $after: String) { group(id: $id) { members(first: 100, after: $after) {
  pageInfo { hasNextPage endCursor }
  edges { node { id ... on User { licenseAssignmentStates { skuId skuPartNumber assignedByGroup state error disabledPlans lastUpdatedDateTime } } } } } } }`;
const AUDITS = `query($id: ID!, $activity: String) { directoryAudits(filter: { targetId: $id, activityDisplayName: $activity }, first: 100) { edges { node {
  activityDisplayName result resultReason
  initiatedBy { user { id } app { displayName } }
  targetResources { id type modifiedProperties { displayName oldValue newValue } } } } } }`;

let serial = 0;

/**
 * Small factories for the group-licensing specifications: fresh users and groups, seats set
 * through updateSubscription, and the reads a portal would make. Everything goes through the
 * GraphQL API as the Global Administrator, except `bulkMembers`.
 */
export class GroupLicensingApi {
  private readonly groups: string[] = [];
  /** Free seats per SKU before the first change of its units since the last reset. */
  private readonly freeBefore = new Map<string, number>();

  constructor(private readonly gateway: TestGateway) {}

  /**
   * Undoes what a test did to the tenant's licensing: the groups made since the last reset give
   * up their licenses (so nobody is left waiting for a seat a later test hands out), and every
   * subscription whose units changed gets back the free seats it had.
   */
  async reset(): Promise<void> {
    for (const groupId of this.groups.splice(0)) {
      const { group } = await this.gateway.ok("admin", GROUP, { id: groupId });
      const skus = (group?.assignedLicenses ?? []).map((license: License) => license.skuId);
      if (skus.length > 0) await this.assign(groupId, [], skus);
    }
    await this.gateway.settle();
    for (const [skuId, free] of this.freeBefore) await this.setEnabledUnits(skuId, (await this.seats(skuId)).consumed + free);
    this.freeBefore.clear();
    await this.gateway.settle();
  }

  /** A new user, usage location US unless told otherwise, with no proxy addresses of their own. */
  async user(input: Record<string, unknown> = {}): Promise<TestUser> {
    const nickname = `gbl.user${++serial}`;
    const data = await this.gateway.ok("admin", CREATE_USER, {
      input: { userPrincipalName: `${nickname}@contoso.com`, displayName: `Licensed ${nickname}`, usageLocation: "US", ...input },
    });
    return data.createUser;
  }

  async users(count: number, input: Record<string, unknown> = {}): Promise<TestUser[]> {
    const users: TestUser[] = [];
    for (let i = 0; i < count; i++) users.push(await this.user(input));
    return users;
  }

  /** A new security group with these members, assigning `licenses` when any are given. */
  async group(members: TestUser[], licenses: License[] = [], input: Record<string, unknown> = {}): Promise<string> {
    const { createGroup } = await this.gateway.ok("admin", CREATE_GROUP, { input: { displayName: `Licensing group ${++serial}`, ...input } });
    this.groups.push(createGroup.id);
    for (const member of members) await this.addMember(createGroup.id, member);
    if (licenses.length > 0) await this.assign(createGroup.id, licenses);
    return createGroup.id;
  }

  async assign(groupId: string, add: License[], remove: string[] = []) {
    return (await this.gateway.ok("admin", ASSIGN_GROUP_LICENSE, { g: groupId, add, remove })).assignGroupLicense;
  }

  assignDirect(user: TestUser, add: License[], remove: string[] = []) {
    return this.gateway.ok("admin", ASSIGN_LICENSE, { u: user.id, add, remove });
  }

  addMember(groupId: string, user: TestUser) {
    return this.gateway.ok("admin", ADD_MEMBER, { g: groupId, u: user.id });
  }

  removeMember(groupId: string, user: TestUser) {
    return this.gateway.ok("admin", REMOVE_MEMBER, { g: groupId, u: user.id });
  }

  async states(user: TestUser): Promise<AssignmentState[]> {
    return (await this.gateway.ok("admin", STATES, { id: user.id })).user.licenseAssignmentStates;
  }

  /**
   * The user's states in short, sorted: "<source> <skuPartNumber> <state>[/<error>]", the source
   * named by `sources` (group id → label) or "direct".
   */
  async summary(user: TestUser, sources: Record<string, string> = {}): Promise<string[]> {
    return (await this.states(user))
      .map((s) => {
        const source = s.assignedByGroup === null ? "direct" : (sources[s.assignedByGroup] ?? s.assignedByGroup);
        return `${source} ${s.skuPartNumber} ${s.state}${s.error === "None" ? "" : `/${s.error}`}`;
      })
      .sort();
  }

  /** The user's state for one SKU from one source (a group id, or null for direct). */
  async state(user: TestUser, skuId: string, source: string | null): Promise<AssignmentState | undefined> {
    return (await this.states(user)).find((state) => state.skuId === skuId && state.assignedByGroup === source);
  }

  async seats(skuId: string): Promise<{ enabled: number; consumed: number }> {
    const { subscribedSku } = await this.gateway.ok("admin", SEATS, { id: skuId });
    return { enabled: subscribedSku.prepaidUnits.enabled, consumed: subscribedSku.consumedUnits };
  }

  async consumed(...skuIds: string[]): Promise<number[]> {
    return Promise.all(skuIds.map(async (skuId) => (await this.seats(skuId)).consumed));
  }

  async setEnabledUnits(skuId: string, enabled: number): Promise<void> {
    if (!this.freeBefore.has(skuId)) {
      const seats = await this.seats(skuId);
      this.freeBefore.set(skuId, seats.enabled - seats.consumed);
    }
    await this.gateway.ok("admin", SET_UNITS, { id: skuId, enabled });
  }

  /** Sets the subscription's units so that exactly `free` seats are left. */
  async leaveFreeSeats(skuId: string, free: number): Promise<void> {
    await this.gateway.settle();
    await this.setEnabledUnits(skuId, (await this.seats(skuId)).consumed + free);
  }

  /** The license with every plan of the SKU disabled except `keep`. */
  async only(skuId: string, ...keep: string[]): Promise<License> {
    const { subscribedSku } = await this.gateway.ok("admin", SEATS, { id: skuId });
    const plans: string[] = subscribedSku.servicePlans.map((plan: { servicePlanId: string }) => plan.servicePlanId);
    return { skuId, disabledPlans: plans.filter((plan) => !keep.includes(plan)) };
  }

  async readGroup(groupId: string) {
    const { group } = await this.gateway.ok("admin", GROUP, { id: groupId });
    return {
      ...group,
      licenseProcessingState: group.licenseProcessingState?.state ?? null,
      membersWithLicenseErrors: group.membersWithLicenseErrors.edges.map((edge: { node: { id: string } }) => edge.node.id) as string[],
      errorCount: group.membersWithLicenseErrors.totalCount as number,
    };
  }

  /** Every member's states, read page by page through group.members. */
  async memberStates(groupId: string): Promise<Map<string, AssignmentState[]>> {
    const states = new Map<string, AssignmentState[]>();
    let after: string | null = null;
    do {
      const data: Record<string, any> = await this.gateway.ok("admin", MEMBER_STATES, { id: groupId, after });
      const group = data.group;
      for (const { node } of group.members.edges) states.set(node.id, node.licenseAssignmentStates);
      after = group.members.pageInfo.hasNextPage ? group.members.pageInfo.endCursor : null;
    } while (after);
    return states;
  }

  async audits(targetId: string, activity?: string): Promise<AuditEntry[]> {
    const { directoryAudits } = await this.gateway.ok("admin", AUDITS, { id: targetId, activity });
    return directoryAudits.edges.map((edge: { node: AuditEntry }) => edge.node);
  }

  /**
   * Many members at once, written straight to the directory's stores in one transaction (the API
   * would take a request per user and per membership). No event is published: assign or
   * reprocess the group's licenses afterwards to queue them.
   */
  async bulkMembers(groupId: string, count: number): Promise<string[]> {
    const batch = ++serial;
    return this.gateway.app.services.db.transaction(async (tx) => {
      const users = new UserStore(tx);
      const ids: string[] = [];
      for (let i = 0; i < count; i++) {
        const upn = `bulk${batch}.user${i}@contoso.com`;
        const id = randomUUID();
        await users.insert({
          id,
          userPrincipalName: upn,
          upnKey: upn,
          displayName: `Bulk ${batch} User ${i}`,
          mail: null,
          department: "Bulk",
          jobTitle: null,
          accountEnabled: true,
          usageLocation: "US",
          createdDateTime: new Date(),
        });
        ids.push(id);
      }
      await new GroupStore(tx).addMembers(groupId, ids);
      return ids;
    });
  }
}

/**
 * One gateway for a test file, with its background processor stopped: work runs when a test
 * settles, so each test sees the queue its writes left. After each test its groups give up their
 * licenses and the subscriptions get their free seats back, so no test hands out seats that
 * another left someone waiting for. `use` receives the gateway and the API once they exist.
 */
export function groupLicensingSuite(use: (gateway: TestGateway, api: GroupLicensingApi) => void): void {
  let gateway: TestGateway;
  let api: GroupLicensingApi;
  beforeAll(async () => {
    gateway = await TestGateway.start();
    await gateway.app.services.licensing.processor.stop();
    await gateway.settle();
    api = new GroupLicensingApi(gateway);
    use(gateway, api);
  });
  afterEach(() => api.reset());
  afterAll(() => gateway.stop());
}
