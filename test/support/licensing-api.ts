import { refusal, type GraphQLResponse, type TestGateway } from "./harness";

export { PLAN, SKU } from "./catalog-ids";

export const LICENSES = `
  mail proxyAddresses
  assignedLicenses { skuId disabledPlans }
  licenseDetails { skuId skuPartNumber servicePlans { servicePlanId servicePlanName provisioningStatus } }
  assignedPlans { servicePlanId service capabilityStatus }
  licenseAssignmentStates { skuId skuPartNumber disabledPlans assignedByGroup state error }`;

export const ASSIGN = `mutation($userId: ID!, $add: [AssignedLicenseInput!], $remove: [ID!]) {
  assignLicense(userId: $userId, addLicenses: $add, removeLicenses: $remove) { id ${LICENSES} }
}`;

const USER = `query($id: ID) { user(id: $id) { id ${LICENSES} } }`;
const SUBSCRIPTION = "query($skuId: ID) { subscribedSku(skuId: $skuId) { consumedUnits prepaidUnits { enabled } } }";
const UPDATE_SUBSCRIPTION = `mutation($skuId: ID!, $enabled: Int) {
  updateSubscription(skuId: $skuId, prepaidUnits: { enabled: $enabled }) { consumedUnits prepaidUnits { enabled } }
}`;
const AUDITS = `query($filter: DirectoryAuditFilter) {
  directoryAudits(filter: $filter, first: 20) { edges { node {
    activityDisplayName result resultReason
    initiatedBy { user { userPrincipalName } }
    targetResources { id modifiedProperties { displayName oldValue newValue } }
  } } }
}`;

export type License = { skuId: string; disabledPlans?: string[] };

export interface LicensedUser {
  id: string;
  mail: string | null;
  proxyAddresses: string[];
  assignedLicenses: { skuId: string; disabledPlans: string[] }[];
  licenseDetails: { skuId: string; skuPartNumber: string; servicePlans: { servicePlanId: string; servicePlanName: string; provisioningStatus: string }[] }[];
  assignedPlans: { servicePlanId: string; service: string; capabilityStatus: string }[];
  licenseAssignmentStates: { skuId: string; skuPartNumber: string; disabledPlans: string[]; assignedByGroup: string | null; state: string; error: string }[];
}

export interface AuditEntry {
  activityDisplayName: string;
  result: string;
  resultReason: string;
  initiatedBy: { user: { userPrincipalName: string } | null };
  targetResources: { id: string | null; modifiedProperties: { displayName: string; oldValue: string | null; newValue: string | null }[] }[];
}

/** The facts of a refused assignLicense: the GraphQL error's code and its licensing extensions. */
export interface LicenseFailure {
  code: string;
  message: string;
  licenseError: string;
  skuId: string;
  servicePlans: { servicePlanId: string; servicePlanName: string }[];
}

/** Licensing through the GraphQL API, as a portal would use it; every call here is one request. */
export class LicensingApi {
  private serial = 0;

  constructor(
    private readonly gateway: TestGateway,
    /** Prefix of the fresh users' nicknames, so that two files never reuse a sign-in name. */
    private readonly prefix: string,
  ) {}

  /** A fresh user in the US (unless overridden), with one primary SMTP address of its own. */
  async newUser(overrides: Record<string, unknown> = {}): Promise<{ id: string; userPrincipalName: string }> {
    this.serial += 1;
    const nickname = `${this.prefix}${this.serial}`;
    const data = await this.gateway.ok("admin", "mutation($input: CreateUserInput!) { createUser(input: $input) { id userPrincipalName } }", {
      input: {
        userPrincipalName: `${nickname}@contoso.com`,
        displayName: `Licensing ${nickname}`,
        usageLocation: "US",
        proxyAddresses: [`SMTP:${nickname}@contoso.com`],
        ...overrides,
      },
    });
    return data.createUser;
  }

  assign(userId: string, add: License[] = [], remove: string[] = [], as = "admin"): Promise<GraphQLResponse> {
    return this.gateway.gql(as, ASSIGN, { userId, add: add.map((l) => ({ disabledPlans: [], ...l })), remove });
  }

  /** assignLicense that must succeed; answers with the user it returns. */
  async assigned(userId: string, add: License[] = [], remove: string[] = [], as = "admin"): Promise<LicensedUser> {
    const response = await this.assign(userId, add, remove, as);
    if (response.errors?.length) throw new Error(`assignLicense refused: ${JSON.stringify(response.errors, null, 2)}`);
    return response.data!.assignLicense;
  }

  async user(id: string): Promise<LicensedUser> {
    return (await this.gateway.ok("admin", USER, { id })).user;
  }

  async consumed(skuId: string): Promise<number> {
    return (await this.gateway.ok("admin", SUBSCRIPTION, { skuId })).subscribedSku.consumedUnits;
  }

  /** Sets the subscription's enabled units so that exactly `free` seats are left. */
  async setFreeSeats(skuId: string, free: number): Promise<void> {
    const consumed = await this.consumed(skuId);
    const data = await this.gateway.ok("admin", UPDATE_SUBSCRIPTION, { skuId, enabled: consumed + free });
    if (data.updateSubscription.prepaidUnits.enabled - data.updateSubscription.consumedUnits !== free) {
      throw new Error(`test setup: seats of ${skuId} moved while being set`);
    }
  }

  async audits(filter: Record<string, unknown>): Promise<AuditEntry[]> {
    const data = await this.gateway.ok("admin", AUDITS, { filter });
    return data.directoryAudits.edges.map((edge: { node: AuditEntry }) => edge.node);
  }

  /** A fresh member of All Sales, licensed with E3 by the group once processing is done. */
  async salesMember(overrides: Record<string, unknown> = {}): Promise<{ id: string; userPrincipalName: string }> {
    const user = await this.newUser(overrides);
    await this.gateway.ok("admin", "mutation($g: ID!, $u: ID!) { addGroupMember(groupId: $g, userId: $u) { id } }", {
      g: await this.gateway.groupId("All Sales"),
      u: user.id,
    });
    await this.gateway.settle();
    return user;
  }
}

/** The single error of a refused assignLicense, with its licensing extensions. */
export function licenseFailure(response: GraphQLResponse): LicenseFailure {
  const error = refusal(response);
  return {
    code: error.code,
    message: error.message,
    licenseError: error.extensions.licenseError,
    skuId: error.extensions.skuId,
    servicePlans: error.extensions.servicePlans,
  };
}

/** servicePlanNames of a refusal or problem, sorted, for comparisons that do not care about order. */
export function planNamesOf(plans: { servicePlanName: string }[]): string[] {
  return plans.map((plan) => plan.servicePlanName).sort();
}
