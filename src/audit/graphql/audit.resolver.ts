import { Arg, Args, Ctx, Query, Resolver } from "type-graphql";
import { decodeCursor, encodeCursor, PageArgs, pageRequest, toPage, type Page } from "../../common/connection";
import type { RequestContext } from "../../context";
import { badInput } from "../../errors";
import { isTimeWindow, type AuditPosition } from "../audit.store";
import type { AuditRecord } from "../model";
import { DirectoryAudit, DirectoryAuditConnection, DirectoryAuditFilter, type AuditActivityInitiator } from "./types";

const isSeqKey = (value: unknown): value is [number] =>
  Array.isArray(value) && value.length === 1 && Number.isInteger(value[0]);

/** A time window's cursor: the entry's activityDateTime as stored, then its seq. */
const isTimeSeqKey = (value: unknown): value is [string, number] =>
  Array.isArray(value) && value.length === 2 && typeof value[0] === "string" && ISO_INSTANT.test(value[0]) && Number.isInteger(value[1]);
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

@Resolver(() => DirectoryAudit)
export class AuditResolver {
  @Query(() => DirectoryAuditConnection, {
    description: "The directory audit log, newest first: in the order entries were recorded, or by activityDateTime when the filter gives since or until (a cursor pages the list it came from).",
  })
  async directoryAudits(
    @Ctx() ctx: RequestContext,
    @Args(() => PageArgs) page: PageArgs,
    @Arg("filter", () => DirectoryAuditFilter, { description: "Narrows the log; all given conditions must hold.", nullable: true }) filter?: DirectoryAuditFilter | null,
  ): Promise<Page<DirectoryAudit>> {
    const request = pageRequest(page, ctx.limits.maxPageSize);
    const criteria = checked(filter ?? {});
    // A time window's list is in time order, so its cursors carry the time (AuditStore.list).
    const windowed = isTimeWindow(criteria);
    let from: AuditPosition | null = null;
    if (windowed) {
      const key = decodeCursor(request.cursor, isTimeSeqKey, request.cursorField);
      if (key) from = { activityDateTime: key[0], seq: key[1] };
    } else {
      const key = decodeCursor(request.cursor, isSeqKey, request.cursorField);
      if (key) from = { seq: key[0] };
    }
    const rows = await ctx.services.audit.list(ctx.caller, criteria, from, request.limit + 1, request.backward);
    const count = () => ctx.services.audit.count(ctx.caller, criteria);
    const cursorOf = windowed ? (row: AuditRecord) => encodeCursor([row.activityDateTime.toISOString(), row.seq]) : (row: AuditRecord) => encodeCursor([row.seq]);
    return toPage(rows, request, from !== null, cursorOf, count).map(auditType);
  }
}

function checked(filter: DirectoryAuditFilter): DirectoryAuditFilter {
  if (filter.since && filter.until && filter.since > filter.until) {
    throw badInput("filter.since is later than filter.until; swap them.", { field: "filter.since" });
  }
  return filter;
}

/**
 * An entry in its GraphQL shape. Field by field rather than spread, which would copy nothing of
 * a read entry's JSON columns (they are getters, parsed on first read) and parse both if it did:
 * here they are read only when the query selects them.
 */
export function auditType(record: AuditRecord): DirectoryAudit {
  return new AuditView(record);
}

/**
 * An entry as the GraphQL type gives it. A class, not an object literal with getters: V8 made
 * each such literal a dictionary-mode object (its properties in a hash table of its own), and a
 * page of 50 entries promoted about 50 KB to the old generation for the next full collection
 * (one every second under load, where the other lists promote almost nothing). A class's
 * getters sit on its prototype and its instances share one hidden class.
 * `initiatedBy` and `targetResources` are read from the record (its JSON parsed) only when asked.
 */
class AuditView implements DirectoryAudit {
  readonly id: string;
  readonly activityDateTime: Date;
  readonly activityDisplayName: string;
  readonly category: AuditRecord["category"];
  readonly operationType: AuditRecord["operationType"];
  readonly loggedByService: string;
  readonly result: AuditRecord["result"];
  readonly resultReason: string;
  readonly correlationId: string | null;

  constructor(private readonly record: AuditRecord) {
    this.id = record.id;
    this.activityDateTime = record.activityDateTime;
    this.activityDisplayName = record.activityDisplayName;
    this.category = record.category;
    this.operationType = record.operationType;
    this.loggedByService = record.loggedByService;
    this.result = record.result;
    this.resultReason = record.resultReason;
    this.correlationId = record.correlationId;
  }

  get initiatedBy(): AuditActivityInitiator {
    return initiatorType(this.record.initiatedBy);
  }

  get targetResources(): DirectoryAudit["targetResources"] {
    return this.record.targetResources;
  }
}

function initiatorType(initiator: AuditRecord["initiatedBy"]): AuditActivityInitiator {
  return initiator.kind === "user"
    ? { user: { id: initiator.id, userPrincipalName: initiator.userPrincipalName, displayName: initiator.displayName }, app: null }
    : { user: null, app: { appId: initiator.appId, displayName: initiator.displayName, servicePrincipalId: initiator.servicePrincipalId ?? null } };
}
