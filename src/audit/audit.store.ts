import type { EntityManager } from "typeorm";
import { timeOrderedUuid } from "../common/time-ordered-id";
import { RawSql } from "../db/sql";
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
const COLUMN_OF: Record<DrivingFilter, string> = { activityDisplayName: "activity_display_name", initiatedById: "initiator_id", category: "category", result: "result" };

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
    const sql = new RawSql(this.manager);
    const [row] = await sql.rows<AuditRow>(`SELECT ${ENTRY_COLUMNS} FROM directory_audits a WHERE a.id = ${sql.parameter(0)}`, [id]);
    return row ? new StoredAudit(row) : null;
  }

  /**
   * Newest first, after `from` when given; backward: before it, nearest (oldest) first. A list
   * without a time window is in the order entries were recorded (seq); a time window's list is
   * in activityDateTime order, ties by seq, so its page is read from the time index (see
   * windowPage) and its cursors carry the entry's time.
   *
   * The statements are written here, every value a parameter: TypeORM's query builder wrote a
   * cursor's seq into the text on SQLite, so each page was a new statement to prepare, and its
   * entity hydration cost more than the read.
   */
  async list(filter: AuditFilter, from: AuditPosition | null, limit: number, backward = false): Promise<AuditRecord[]> {
    const sql = new RawSql(this.manager);
    const values = new Values(sql);
    const direction = backward ? "ASC" : "DESC";
    const count = Math.floor(limit);
    let text: string;
    if (isTimeWindow(filter)) {
      text = `SELECT ${ENTRY_COLUMNS} FROM directory_audits a WHERE a.seq IN (${this.windowPage(filter, from, count, backward, values)}) ORDER BY a.activity_date_time ${direction}, a.seq ${direction}`;
    } else if (!Object.values(filter).some(Boolean)) {
      const after = from === null ? "" : ` WHERE a.seq ${backward ? ">" : "<"} ${values.add(from.seq)}`;
      text = `SELECT ${ENTRY_COLUMNS} FROM directory_audits a${after} ORDER BY a.seq ${direction} LIMIT ${count}`;
    } else {
      // A filtered page's seqs are chosen first, through one equality filter's (column, seq)
      // index, in that index's order (see DRIVING), and only the page's rows are then read.
      const driving = DRIVING.find((key) => filter[key]);
      let where = conditions(filter, "s", values, driving);
      if (from !== null) where += ` AND s.seq ${backward ? ">" : "<"} ${values.add(from.seq)}`;
      const order = driving ? `s.${COLUMN_OF[driving]} ${direction}, s.seq ${direction}` : `s.seq ${direction}`;
      text = `SELECT ${ENTRY_COLUMNS} FROM directory_audits a WHERE a.seq IN (SELECT s.seq FROM directory_audits s WHERE ${where} ORDER BY ${order} LIMIT ${count}) ORDER BY a.seq ${direction}`;
    }
    return (await sql.rows<AuditRow>(text, values.list)).map((row) => new StoredAudit(row));
  }

  /**
   * The seqs of a page of a time window, in (activityDateTime, seq) order: the order of the time
   * index, which ends in seq (SQLite's holds the rowid, PostgreSQL's has it as a key column:
   * migration AuditTimeOrder), so a page reads about a page of the index however many entries
   * the window holds. After a cursor the page is two ranges of it: the entries of the cursor's
   * own moment past its seq (group-based licensing records a batch at one time), then the
   * earlier (or, going backward, later) moments. Each range is given one lower and one upper
   * bound at most: of two upper bounds on a column (the window's end and the cursor), SQLite
   * would take either for the index range and only filter by the other. The ranges' rows are
   * merged and cut to the page.
   */
  private windowPage(filter: AuditFilter, from: AuditPosition | null, count: number, backward: boolean, values: Values): string {
    const direction = backward ? "ASC" : "DESC";
    const since = filter.since?.toISOString() ?? null;
    const until = filter.until?.toISOString() ?? null;
    const others = { ...filter, since: null, until: null };
    // Each range in its own subquery: SQLite takes no ORDER BY or LIMIT on a bare arm of a UNION.
    const ranges: string[] = [];
    const range = (where: string) =>
      ranges.push(`SELECT * FROM (SELECT r.seq, r.activity_date_time AS at_time FROM directory_audits r WHERE ${where} ORDER BY r.activity_date_time ${direction}, r.seq ${direction} LIMIT ${count}) r${ranges.length}`);
    const between = (lower: string | null, upper: string | null, lowerOpen = false, upperOpen = false) => {
      let where = conditions(others, "r", values);
      if (lower !== null) where += ` AND r.activity_date_time ${lowerOpen ? ">" : ">="} ${values.add(lower)}`;
      if (upper !== null) where += ` AND r.activity_date_time ${upperOpen ? "<" : "<="} ${values.add(upper)}`;
      range(where);
    };
    if (from === null) between(since, until);
    else {
      const at = from.activityDateTime;
      if (at === undefined) throw new Error("A time window's page starts from a position with the entry's time.");
      if ((since === null || since <= at) && (until === null || at <= until)) {
        range(`${conditions(others, "r", values)} AND r.activity_date_time = ${values.add(at)} AND r.seq ${backward ? ">" : "<"} ${values.add(from.seq)}`);
      }
      // The moments beyond the cursor's, within the window.
      if (!backward) {
        if (until !== null && until < at) between(since, until);
        else between(since, at, false, true);
      } else if (since !== null && at < since) between(since, until);
      else between(at, until, true, false);
    }
    return `SELECT p.seq FROM (${ranges.join(" UNION ALL ")}) p ORDER BY p.at_time ${direction}, p.seq ${direction} LIMIT ${count}`;
  }

  async count(filter: AuditFilter): Promise<number> {
    const sql = new RawSql(this.manager);
    const values = new Values(sql);
    const [row] = await sql.rows<{ n: number | string }>(`SELECT COUNT(*) AS n FROM directory_audits a WHERE ${conditions(filter, "a", values)}`, values.list);
    return Number(row?.n ?? 0);
  }
}

/** A statement's parameters, in the order their placeholders are written (`?` on SQLite, `$n` on PostgreSQL). */
class Values {
  readonly list: unknown[] = [];

  constructor(private readonly sql: RawSql) {}

  /** The placeholder for `value`, which is added to the list. */
  add(value: unknown): string {
    this.list.push(value);
    return this.sql.parameter(this.list.length - 1);
  }
}

/**
 * The filter's conditions on the entries of `alias`. The `driving` column's equality is written
 * as a range of one value (`>= x AND <= x`): to PostgreSQL's planner an equality makes the
 * column a constant, so an order by (column, seq) becomes an order by seq, which the primary key
 * serves too; walking it newest first and filtering looks as cheap when it expects matches
 * spread evenly, and after a licensing run had written 226,000 entries of another kind the
 * newest "Update user" page read all of them (600 ms, against 1.8 ms from the column's index).
 * As a range, only the column's index gives the page's order without a sort.
 */
function conditions(filter: AuditFilter, alias: string, values: Values, driving?: DrivingFilter): string {
  const parts = ["1 = 1"];
  for (const key of DRIVING) {
    const value = filter[key];
    if (!value) continue;
    const column = `${alias}.${COLUMN_OF[key]}`;
    parts.push(key === driving ? `${column} >= ${values.add(value)} AND ${column} <= ${values.add(value)}` : `${column} = ${values.add(value)}`);
  }
  if (filter.since) parts.push(`${alias}.activity_date_time >= ${values.add(filter.since.toISOString())}`);
  if (filter.until) parts.push(`${alias}.activity_date_time <= ${values.add(filter.until.toISOString())}`);
  if (filter.targetId) parts.push(`${alias}.seq IN (SELECT t.audit_seq FROM directory_audit_targets t WHERE t.target_id = ${values.add(filter.targetId)})`);
  return parts.join(" AND ");
}

/** An entry's columns, as list and find select them. */
const ENTRY_COLUMNS =
  "a.seq, a.id, a.activity_date_time, a.activity_display_name, a.category, a.operation_type, a.logged_by_service, a.initiator_id, a.initiated_by, a.target_resources, a.result, a.result_reason, a.correlation_id";

interface AuditRow {
  seq: number | string;
  id: string;
  activity_date_time: string;
  activity_display_name: string;
  category: AuditRecord["category"];
  operation_type: AuditRecord["operationType"];
  logged_by_service: string;
  initiator_id: string | null;
  initiated_by: string;
  target_resources: string;
  result: AuditRecord["result"];
  result_reason: string;
  correlation_id: string | null;
}

/**
 * An entry as read from its row. Its two JSON columns are parsed when first read: a list that
 * shows neither (a page of what was done, when and how it ended) does not parse them, which was
 * a tenth of such a page's cost.
 */
class StoredAudit implements AuditRecord {
  readonly seq: number;
  readonly id: string;
  readonly activityDateTime: Date;
  readonly activityDisplayName: string;
  readonly category: AuditRecord["category"];
  readonly operationType: AuditRecord["operationType"];
  readonly loggedByService: string;
  readonly initiatorId: string | null;
  readonly result: AuditRecord["result"];
  readonly resultReason: string;
  readonly correlationId: string | null;
  private initiator: AuditRecord["initiatedBy"] | undefined;
  private targets: AuditRecord["targetResources"] | undefined;

  constructor(private readonly row: AuditRow) {
    this.seq = Number(row.seq);
    this.id = row.id;
    this.activityDateTime = new Date(row.activity_date_time);
    this.activityDisplayName = row.activity_display_name;
    this.category = row.category;
    this.operationType = row.operation_type;
    this.loggedByService = row.logged_by_service;
    this.initiatorId = row.initiator_id;
    this.result = row.result;
    this.resultReason = row.result_reason;
    this.correlationId = row.correlation_id;
  }

  get initiatedBy(): AuditRecord["initiatedBy"] {
    return (this.initiator ??= JSON.parse(this.row.initiated_by) as AuditRecord["initiatedBy"]);
  }

  get targetResources(): AuditRecord["targetResources"] {
    return (this.targets ??= JSON.parse(this.row.target_resources) as AuditRecord["targetResources"]);
  }
}
