import v8 from "node:v8";
import { auditType } from "../../src/audit/graphql/audit.resolver";
import type { AuditRecord } from "../../src/audit/model";

// V8's own tests of an object's shape: whether its properties are "fast" (laid out by a hidden
// class it shares with objects made the same way) rather than a hash table of its own, and
// whether two objects share that hidden class.
v8.setFlagsFromString("--allow-natives-syntax");
const hasFastProperties = new Function("a", "return %HasFastProperties(a)") as (a: object) => boolean;
const haveSameMap = new Function("a", "b", "return %HaveSameMap(a, b)") as (a: object, b: object) => boolean;

function entry(seq: number, initiatedBy: AuditRecord["initiatedBy"]): AuditRecord {
  return {
    seq,
    id: `00000000-0000-7000-8000-${String(seq).padStart(12, "0")}`,
    activityDateTime: new Date(Date.UTC(2026, 11, 5, 12, 0, seq)),
    activityDisplayName: "Update user",
    category: "UserManagement",
    operationType: "Update",
    loggedByService: "Core Directory",
    initiatedBy,
    initiatorId: initiatedBy.kind === "user" ? initiatedBy.id : null,
    targetResources: [{ id: "u1", displayName: "Ada", type: "User", userPrincipalName: "ada@contoso.com", modifiedProperties: [] }],
    result: "success",
    resultReason: "",
    correlationId: null,
  };
}

describe("audit entries as the GraphQL type gives them", () => {
  const admin = { kind: "user" as const, id: "a1", userPrincipalName: "admin@contoso.com", displayName: "Admin" };
  const app = { kind: "app" as const, displayName: "Microsoft Azure AD Group-Based Licensing", appId: null };

  it("have fast properties and one shared hidden class, not a hash table each for the old generation to collect", () => {
    const [a, b] = [auditType(entry(1, admin)), auditType(entry(2, app))];
    expect([hasFastProperties(a), hasFastProperties(b)]).toEqual([true, true]);
    expect(haveSameMap(a, b)).toBe(true);
  });

  it("give who made the change and what it concerned from the record", () => {
    const [byUser, byApp] = [auditType(entry(1, admin)), auditType(entry(2, app))];
    expect(byUser.initiatedBy).toEqual({ user: { id: "a1", userPrincipalName: "admin@contoso.com", displayName: "Admin" }, app: null });
    expect(byApp.initiatedBy).toEqual({ user: null, app: { appId: null, displayName: "Microsoft Azure AD Group-Based Licensing", servicePrincipalId: null } });
    expect(byUser.targetResources.map((target) => target.displayName)).toEqual(["Ada"]);
    expect([byUser.id, byUser.activityDisplayName, byUser.category, byUser.result]).toEqual(["00000000-0000-7000-8000-000000000001", "Update user", "UserManagement", "success"]);
  });
});
