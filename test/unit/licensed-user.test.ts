import { licensedUser } from "../../src/licensing/graphql/product.mappers";
import { DIRECT, type AssignmentRecord } from "../../src/licensing/model";
import type { UserRecord } from "../../src/directory/model";
import { SKU } from "../support/catalog-ids";

const user = { id: "u1", displayName: "Ada" } as UserRecord;
const at = new Date("2026-01-01T00:00:00Z");

function source(from: string, state: AssignmentRecord["state"], error: AssignmentRecord["error"] = null): AssignmentRecord {
  return { userId: user.id, skuId: SKU.E3, source: from, disabledPlans: [], state, error, lastUpdatedDateTime: at };
}

describe("a product's licensed user, from the user's sources of the SKU", () => {
  it("lists the direct source first, then the groups it is inherited from", () => {
    const row = licensedUser(SKU.E3, { user, sources: [source("group-b", "Active"), source(DIRECT, "Active"), source("group-a", "Active")] });
    expect(row.assignedDirectly).toBe(true);
    expect(row.inheritedFromIds).toEqual(["group-b", "group-a"]);
    expect(row.licenseAssignmentStates.map((state) => state.assignedByGroup)).toEqual([null, "group-b", "group-a"]);
  });

  it("shows the worst state and its error: Error over ActiveWithError over Disabled over Active", () => {
    const worst = (...sources: AssignmentRecord[]) => {
      const row = licensedUser(SKU.E3, { user, sources });
      return `${row.state}/${row.error}`;
    };
    expect(worst(source(DIRECT, "Active"), source("g", "Error", "CountViolation"))).toBe("Error/CountViolation");
    expect(worst(source("g", "ActiveWithError", "UniquenessViolation"), source(DIRECT, "Disabled"))).toBe("ActiveWithError/UniquenessViolation");
    expect(worst(source(DIRECT, "Active"), source("g", "Disabled"))).toBe("Disabled/None");
    expect(worst(source(DIRECT, "Active"))).toBe("Active/None");
  });

  it("says a user with group sources only is not assigned directly", () => {
    const row = licensedUser(SKU.E3, { user, sources: [source("g", "Error", "MutuallyExclusiveViolation")] });
    expect(row).toMatchObject({ assignedDirectly: false, inheritedFromIds: ["g"], state: "Error", error: "MutuallyExclusiveViolation" });
  });
});
