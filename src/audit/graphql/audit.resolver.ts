import { Arg, Args, Ctx, Query, Resolver } from "type-graphql";
import { decodeCursor, encodeCursor, PageArgs, pageRequest, toPage, type Page } from "../../common/connection";
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
    @Args(() => PageArgs) page: PageArgs,
    @Arg("filter", () => DirectoryAuditFilter, { description: "Narrows the log; all given conditions must hold.", nullable: true }) filter?: DirectoryAuditFilter | null,
  ): Promise<Page<DirectoryAudit>> {
    const request = pageRequest(page, ctx.limits.maxPageSize);
    const cursor = decodeCursor(request.cursor, isSeqKey, request.cursorField);
    const criteria = checked(filter ?? {});
    const rows = await ctx.services.audit.list(ctx.caller, criteria, cursor?.[0] ?? null, request.limit + 1, request.backward);
    const count = () => ctx.services.audit.count(ctx.caller, criteria);
    return toPage(rows, request, cursor !== null, (row) => encodeCursor([row.seq]), count).map(auditType);
  }
}

function checked(filter: DirectoryAuditFilter): DirectoryAuditFilter {
  if (filter.since && filter.until && filter.since > filter.until) {
    throw badInput("filter.since is later than filter.until; swap them.", { field: "filter.since" });
  }
  return filter;
}

export function auditType(record: AuditRecord): DirectoryAudit {
  const initiator = record.initiatedBy;
  const initiatedBy: AuditActivityInitiator =
    initiator.kind === "user"
      ? { user: { id: initiator.id, userPrincipalName: initiator.userPrincipalName, displayName: initiator.displayName }, app: null }
      : { user: null, app: { appId: initiator.appId, displayName: initiator.displayName, servicePrincipalId: initiator.servicePrincipalId ?? null } };
  return { ...record, initiatedBy };
}
