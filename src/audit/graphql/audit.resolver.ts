import { Arg, Ctx, Int, Query, Resolver } from "type-graphql";
import { decodeCursor, encodeCursor, pageSize, toPage, type Page } from "../../common/connection";
import type { RequestContext } from "../../context";
import { badInput } from "../../errors";
import type { AuditRecord } from "../model";
import { DirectoryAudit, DirectoryAuditConnection, DirectoryAuditFilter, type AuditActivityInitiator } from "./types";

const isSeqKey = (value: unknown): value is [number] =>
  Array.isArray(value) && value.length === 1 && Number.isInteger(value[0]);

@Resolver(() => DirectoryAudit)
export class AuditResolver {
  @Query(() => DirectoryAuditConnection, { description: "The directory audit log, newest first." })
  async directoryAudits(
    @Ctx() ctx: RequestContext,
    @Arg("filter", () => DirectoryAuditFilter, { description: "Narrows the log; all given conditions must hold.", nullable: true }) filter?: DirectoryAuditFilter | null,
    @Arg("first", () => Int, { description: "How many items to return from the start of the list (or after `after`): 1 to MAX_PAGE_SIZE, 50 by default.", nullable: true }) first?: number | null,
    @Arg("after", () => String, { description: "Returns the items after this cursor: a pageInfo.endCursor or edge cursor this list returned.", nullable: true }) after?: string | null,
  ): Promise<Page<DirectoryAudit>> {
    const limit = pageSize(first, ctx.limits.maxPageSize);
    const cursor = decodeCursor(after, isSeqKey);
    const criteria = checked(filter ?? {});
    const rows = await ctx.services.audit.list(ctx.caller, criteria, cursor?.[0] ?? null, limit + 1);
    const count = () => ctx.services.audit.count(ctx.caller, criteria);
    return toPage(rows, limit, cursor !== null, (row) => encodeCursor([row.seq]), count).map(toGraph);
  }
}

function checked(filter: DirectoryAuditFilter): DirectoryAuditFilter {
  if (filter.since && filter.until && filter.since > filter.until) {
    throw badInput("filter.since is later than filter.until; swap them.", { field: "filter.since" });
  }
  return filter;
}

export function toGraph(record: AuditRecord): DirectoryAudit {
  const initiator = record.initiatedBy;
  const initiatedBy: AuditActivityInitiator =
    initiator.kind === "user"
      ? { user: { id: initiator.id, userPrincipalName: initiator.userPrincipalName, displayName: initiator.displayName }, app: null }
      : { user: null, app: { appId: initiator.appId, displayName: initiator.displayName, servicePrincipalId: initiator.servicePrincipalId ?? null } };
  return { ...record, initiatedBy };
}
