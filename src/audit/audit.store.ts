import type { EntityManager, SelectQueryBuilder } from "typeorm";
import { timeOrderedUuid } from "../common/time-ordered-id";
import { RawSql } from "../db/sql";
import { AuditEntity } from "./entities";
import type { AuditEntry, AuditRecord } from "./model";

export interface AuditFilter {
  category?: string | null;
  activityDisplayName?: string | null;
  targetId?: string | null;
  initiatedById?: string | null;
  result?: string | null;
  since?: Date | null;
  until?: Date | null;
}

/**
 * The equality filters with a (column, seq) index, in the order one is chosen to drive a
 * filtered page: the most selective kinds first (an activity, an initiator), then the coarse ones.
 */
const DRIVING = ["activityDisplayName", "initiatedById", "category", "result"] as const;
type DrivingFilter = (typeof DRIVING)[number];
const COLUMN_OF: Record<DrivingFilter, string> = { activityDisplayName: "activityDisplayName", initiatedById: "initiatorId", category: "category", result: "result" };

/** Where a page of the log starts: an entry's seq, and in a time window's list its time too. */
export interface AuditPosition {
  readonly seq: number;
  /** The entry's activityDateTime as stored (ISO 8601 with milliseconds); a time window's lists only. */
  readonly activityDateTime?: string;
}

/** Whether a filter has a time window, whose list is in activityDateTime order (AuditStore.list). */
export function isTimeWindow(filter: AuditFilter): boolean {
  return Boolean(filter.since || filter.until);
}

const LOGGED_BY_SERVICE = "Core Directory";
/** Entries per statement on PostgreSQL (each column one array parameter). */
const AUDIT_CHUNK = 2000;
const AUDIT_COLUMNS = [
  "id",
  "activity_date_time",
  "activity_display_name",
  "category",
  "operation_type",
  "logged_by_service",
  "initiator_id",
  "initiated_by",
  "target_resources",
  "result",
  "result_reason",
  "correlation_id",
];

const AUDIT_TYPES = AUDIT_COLUMNS.map(() => "text");

/** The only code that reads or writes the audit tables. */
export class AuditStore {
  constructor(private readonly manager: EntityManager) {}

  async insert(entry: AuditEntry, at: Date): Promise<AuditRecord> {
    return (await this.insertMany([entry], at))[0]!;
  }

  /**
   * Writes entries with their target index rows: a few multi-row statements for a whole batch
   * (group-based licensing records one entry per user it changes).
   */
  async insertMany(entries: readonly AuditEntry[], at: Date): Promise<AuditRecord[]> {
    const sql = new RawSql(this.manager);
    const when = at.toISOString();
    // Group-based licensing records thousands of entries by one initiator: encoded once.
    const initiators = new Map<AuditEntry["initiatedBy"], string>();
    const records: AuditRecord[] = [];
    const values: unknown[][] = [];
    for (const entry of entries) {
      const initiatorId = entry.initiatedBy.kind === "user" ? entry.initiatedBy.id : (entry.initiatedBy.servicePrincipalId ?? null);
      // Field by field: an object spread here cost more than everything else in this loop.
      const record: AuditRecord = {
        seq: 0,
        id: timeOrderedUuid(),
        activityDateTime: at,
        activityDisplayName: entry.activityDisplayName,
        category: entry.category,
        operationType: entry.operationType,
        loggedByService: LOGGED_BY_SERVICE,
        initiatedBy: entry.initiatedBy,
        initiatorId,
        targetResources: entry.targetResources,
        result: entry.result,
        resultReason: entry.resultReason,
        correlationId: entry.correlationId,
      };
      let initiatedBy = initiators.get(entry.initiatedBy);
      if (initiatedBy === undefined) initiators.set(entry.initiatedBy, (initiatedBy = JSON.stringify(entry.initiatedBy)));
      records.push(record);
      values.push([record.id, when, entry.activityDisplayName, entry.category, entry.operationType, LOGGED_BY_SERVICE, initiatorId, initiatedBy, JSON.stringify(entry.targetResources), entry.result, entry.resultReason, entry.correlationId]);
    }
    if (sql.postgres) return this.insertWithTargets(sql, records, values);
    const inserted = await sql.insert<{ seq: number | string; id: string }>("directory_audits", AUDIT_COLUMNS, AUDIT_COLUMNS.map(() => "text"), values, "seq, id");
    const seqs = new Map(inserted.map((row) => [row.id, Number(row.seq)]));
    const targets: unknown[][] = [];
    for (const record of records) {
      record.seq = seqs.get(record.id)!;
      const named: string[] = [];
      for (const { id } of record.targetResources) {
        if (!id || named.includes(id)) continue;
        named.push(id);
        targets.push([record.seq, id]);
      }
    }
    await sql.insert("directory_audit_targets", ["audit_seq", "target_id"], ["int", "text"], targets);
    return records;
  }

  /**
   * Deletes up to `limit` of the oldest entries recorded before `before`, with their target rows
   * (found through the time index; the target rows through their primary key); how many it deleted.
   */
  async deleteOlderThan(before: Date, limit: number): Promise<number> {
    const sql = new RawSql(this.manager);
    const rows = await sql.rows<{ seq: number | string }>(
      `SELECT seq FROM directory_audits WHERE activity_date_time < ${sql.list(1)} ORDER BY activity_date_time LIMIT ${Math.floor(limit)}`,
      [before.toISOString()],
    );
    if (rows.length === 0) return 0;
    const seqs = rows.map((row) => Number(row.seq));
    await sql.affectedIn("audit_seq", seqs, (condition) => `DELETE FROM directory_audit_targets WHERE ${condition}`);
    return sql.affectedIn("seq", seqs, (condition) => `DELETE FROM directory_audits WHERE ${condition}`);
  }

  /**
   * PostgreSQL: the entries and their target rows in one statement a chunk (one round trip; the
   * target rows join the inserted entries by id on the server), each column one array parameter.
   */
  private async insertWithTargets(sql: RawSql, records: AuditRecord[], values: unknown[][]): Promise<AuditRecord[]> {
    for (let start = 0; start < records.length; start += AUDIT_CHUNK) {
      const chunk = records.slice(start, start + AUDIT_CHUNK);
      const rows = values.slice(start, start + AUDIT_CHUNK);
      const auditIds: string[] = [];
      const targetIds: string[] = [];
      for (const record of chunk) {
        const named: string[] = [];
        for (const { id } of record.targetResources) {
          if (!id || named.includes(id)) continue;
          named.push(id);
          auditIds.push(record.id);
          targetIds.push(id);
        }
      }
      const { select, parameters } = sql.unnest(AUDIT_TYPES, rows, 2);
      const text =
        `WITH a AS (INSERT INTO directory_audits (${AUDIT_COLUMNS.join(", ")}) ${select} RETURNING seq, id), ` +
        "t AS (INSERT INTO directory_audit_targets (audit_seq, target_id) SELECT a.seq, x.target_id FROM unnest($1::text[], $2::text[]) AS x(audit_id, target_id) JOIN a ON a.id = x.audit_id) " +
        "SELECT seq, id FROM a";
      parameters.unshift(auditIds, targetIds);
      const inserted = await sql.rows<{ seq: number | string; id: string }>(text, parameters);
      const seqs = new Map(inserted.map((row) => [row.id, Number(row.seq)]));
      for (const record of chunk) record.seq = seqs.get(record.id)!;
    }
    return records;
  }

  /** One entry by its id; null when there is none. */
  async find(id: string): Promise<AuditRecord | null> {
    return this.manager.createQueryBuilder(AuditEntity, "a").where("a.id = :id", { id }).getOne();
  }

  /**
   * Newest first, after `from` when given; backward: before it, nearest (oldest) first. A list
   * without a time window is in the order entries were recorded (seq); a time window's list is
   * in activityDateTime order, ties by seq, so its page is read from the time index (see
   * windowPage) and its cursors carry the entry's time.
   */
  async list(filter: AuditFilter, from: AuditPosition | null, limit: number, backward = false): Promise<AuditRecord[]> {
    if (isTimeWindow(filter)) return this.windowPage(filter, from, limit, backward);
    const direction = backward ? "ASC" : "DESC";
    const fromSeq = from?.seq ?? null;
    if (!Object.values(filter).some(Boolean)) {
      const query = this.manager.createQueryBuilder(AuditEntity, "a").orderBy("a.seq", direction).take(limit);
      if (fromSeq !== null) query.andWhere(`a.seq ${backward ? ">" : "<"} :fromSeq`, { fromSeq });
      return query.getMany();
    }
    // A filtered page's seqs are chosen first, through one equality filter's (column, seq)
    // index, in that index's order (see DRIVING), and only the page's rows are then read.
    const driving = DRIVING.find((key) => filter[key]);
    const page = this.filtered(filter, "s", driving).select("s.seq").limit(limit);
    if (driving) page.orderBy(`s.${COLUMN_OF[driving]}`, direction).addOrderBy("s.seq", direction);
    else page.orderBy("s.seq", direction);
    if (fromSeq !== null) page.andWhere(`s.seq ${backward ? ">" : "<"} :fromSeq`, { fromSeq });
    return this.manager
      .createQueryBuilder(AuditEntity, "a")
      .where(`a.seq IN (${page.getQuery()})`)
      .setParameters(page.getParameters())
      .orderBy("a.seq", direction)
      .getMany();
  }

  /**
   * A page of a time window, in (activityDateTime, seq) order: the order of the time index,
   * which ends in seq (SQLite's holds the rowid, PostgreSQL's has it as a key column: migration
   * AuditTimeOrder), so a page reads about a page of the index however many entries the window
   * holds. After a cursor the page is two ranges of it: the entries of the cursor's own moment
   * past its seq (group-based licensing records a batch at one time), then the earlier (or, going
   * backward, later) moments. Each range is given one lower and one upper bound at most: of two
   * upper bounds on a column (the window's end and the cursor), SQLite would take either for the
   * index range and only filter by the other. The ranges' rows are merged and cut to the page.
   */
  private async windowPage(filter: AuditFilter, from: AuditPosition | null, limit: number, backward: boolean): Promise<AuditRecord[]> {
    const direction = backward ? "ASC" : "DESC";
    const count = Math.floor(limit);
    const since = filter.since?.toISOString() ?? null;
    const until = filter.until?.toISOString() ?? null;
    const ordered = (query: SelectQueryBuilder<AuditRecord>, alias: string) =>
      query.select(`${alias}.seq`, "seq").addSelect(`${alias}.activityDateTime`, "at_time").orderBy(`${alias}.activityDateTime`, direction).addOrderBy(`${alias}.seq`, direction).limit(count);
    const others = { ...filter, since: null, until: null };
    const range = (alias: string, lower: string | null, upper: string | null, lowerOpen = false, upperOpen = false) => {
      const query = this.filtered(others, alias);
      if (lower !== null) query.andWhere(`${alias}.activityDateTime ${lowerOpen ? ">" : ">="} :${alias}Lower`, { [`${alias}Lower`]: lower });
      if (upper !== null) query.andWhere(`${alias}.activityDateTime ${upperOpen ? "<" : "<="} :${alias}Upper`, { [`${alias}Upper`]: upper });
      return ordered(query, alias);
    };
    const ranges: SelectQueryBuilder<AuditRecord>[] = [];
    if (from === null) ranges.push(range("w", since, until));
    else {
      const at = from.activityDateTime;
      if (at === undefined) throw new Error("A time window's page starts from a position with the entry's time.");
      if ((since === null || since <= at) && (until === null || at <= until)) {
        const moment = this.filtered(others, "m").andWhere("m.activityDateTime = :at", { at }).andWhere(`m.seq ${backward ? ">" : "<"} :fromSeq`, { fromSeq: from.seq });
        ranges.push(ordered(moment, "m"));
      }
      // The moments beyond the cursor's, within the window.
      if (!backward) ranges.push(until !== null && until < at ? range("w", since, until) : range("w", since, at, false, true));
      else ranges.push(since !== null && at < since ? range("w", since, until) : range("w", at, until, true, false));
    }
    // Each range in its own subquery: SQLite takes no ORDER BY or LIMIT on a bare arm of a UNION.
    const union = ranges.map((query, i) => `SELECT * FROM (${query.getQuery()}) r${i}`).join(" UNION ALL ");
    const page = `SELECT p.seq FROM (${union}) p ORDER BY p.at_time ${direction}, p.seq ${direction} LIMIT ${count}`;
    const parameters = Object.assign({}, ...ranges.map((query) => query.getParameters()));
    return this.manager
      .createQueryBuilder(AuditEntity, "a")
      .where(`a.seq IN (${page})`)
      .setParameters(parameters)
      .orderBy("a.activityDateTime", direction)
      .addOrderBy("a.seq", direction)
      .getMany();
  }

  count(filter: AuditFilter): Promise<number> {
    return this.filtered(filter).getCount();
  }

  /**
   * The filter's conditions. The `driving` column's equality is written as a range of one value
   * (`>= x AND <= x`): to PostgreSQL's planner an equality makes the column a constant, so an
   * order by (column, seq) becomes an order by seq, which the primary key serves too; walking it
   * newest first and filtering looks as cheap when it expects matches spread evenly, and after
   * a licensing run had written 226,000 entries of another kind the newest "Update user" page
   * read all of them (600 ms, against 1.8 ms from the column's index). As a range, only the
   * column's index gives the page's order without a sort.
   */
  private filtered(filter: AuditFilter, alias = "a", driving?: DrivingFilter): SelectQueryBuilder<AuditRecord> {
    const query = this.manager.createQueryBuilder(AuditEntity, alias).where("1 = 1");
    const equals = (key: DrivingFilter, value: string) => {
      const column = `${alias}.${COLUMN_OF[key]}`;
      if (key === driving) query.andWhere(`${column} >= :${key} AND ${column} <= :${key}`, { [key]: value });
      else query.andWhere(`${column} = :${key}`, { [key]: value });
    };
    for (const key of DRIVING) {
      const value = filter[key];
      if (value) equals(key, value);
    }
    if (filter.since) query.andWhere(`${alias}.activityDateTime >= :since`, { since: filter.since.toISOString() });
    if (filter.until) query.andWhere(`${alias}.activityDateTime <= :until`, { until: filter.until.toISOString() });
    if (filter.targetId) {
      query.andWhere(
        `${alias}.seq IN (SELECT t.audit_seq FROM directory_audit_targets t WHERE t.target_id = :targetId)`,
        { targetId: filter.targetId },
      );
    }
    return query;
  }
}
