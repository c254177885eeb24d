import type { AssignmentStateName } from "../engine";
import { DIRECT } from "../model";
import type { LicensedUserRecord } from "../services/product-license.service";
import { assignmentState } from "./mappers";
import type { LicensedUser } from "./product.types";

/** Worst first: what a product's user list shows for a user with several sources. */
const SEVERITY: readonly AssignmentStateName[] = ["Error", "ActiveWithError", "Disabled", "Active"];

/** A user's sources of one SKU as the product's user list shows them. */
export function licensedUser(skuId: string, row: LicensedUserRecord): LicensedUser {
  const sources = [...row.sources].sort((a, b) => Number(b.source === DIRECT) - Number(a.source === DIRECT));
  const worst = [...sources].sort((a, b) => SEVERITY.indexOf(a.state) - SEVERITY.indexOf(b.state))[0];
  return {
    user: row.user,
    skuId,
    assignedDirectly: sources.some((source) => source.source === DIRECT),
    inheritedFromIds: sources.flatMap((source) => (source.source === DIRECT ? [] : [source.source])),
    state: worst?.state ?? "Active",
    error: worst?.error ?? "None",
    licenseAssignmentStates: sources.map(assignmentState),
  };
}
