import { Effect } from "effect"
import { ClickHouse, quote } from "../../stack/ClickHouse.js"
import { Postgres } from "../../stack/Postgres.js"
import type { SuiteRuntime } from "./wiring.js"

/** Where each acknowledged posting ended up, and what else the stores hold for its source. */
export interface PostingsReport {
  readonly expected: number
  /** Rows of `jobs` among the expected. */
  readonly jobs: number
  /** Rows of `job_duplicates` among the expected. */
  readonly duplicates: number
  /** Acknowledged, and neither a job nor a duplicate. */
  readonly missing: ReadonlyArray<string>
  /** Both a job and a duplicate. */
  readonly twice: ReadonlyArray<string>
  /** Stored for the source though never acknowledged. */
  readonly unexpected: ReadonlyArray<string>
  /** `unique` events of the source in ClickHouse: rows after FINAL, and distinct job ids. */
  readonly uniqueRows: number
  readonly uniqueJobs: number
  /** Jobs in PostgreSQL with no `unique` event. */
  readonly uniqueMissing: ReadonlyArray<string>
}

/**
 * Every acknowledged posting of `source` exactly once in PostgreSQL (as a job or as a duplicate of one), and
 * every job of it exactly once as a `unique` event in ClickHouse, however often a fault made a stage replay it.
 */
export const postingsOf = (runtime: SuiteRuntime, source: string, acknowledged: ReadonlyArray<string>) =>
  runtime.runPromise(
    Effect.gen(function* () {
      const db = yield* Postgres
      const ch = yield* ClickHouse
      const rows = yield* db.query<{ job_id: string; kind: "job" | "duplicate" }>(
        `SELECT job_id, 'job' AS kind FROM jobs WHERE source = $1
         UNION ALL SELECT job_id, 'duplicate' AS kind FROM job_duplicates WHERE source = $1`,
        [source]
      )
      const events = yield* ch.query<{ job_id: string }>(
        `SELECT job_id FROM pipeline_events FINAL WHERE event_type = 'unique' AND source = ${quote(source)}`
      )
      const expected = new Set(acknowledged)
      const seen = new Map<string, number>()
      for (const r of rows) seen.set(r.job_id, (seen.get(r.job_id) ?? 0) + 1)
      const jobs = rows.filter((r) => r.kind === "job")
      const uniqueIds = new Set(events.map((e) => e.job_id))
      return {
        expected: expected.size,
        jobs: jobs.filter((r) => expected.has(r.job_id)).length,
        duplicates: rows.filter((r) => r.kind === "duplicate" && expected.has(r.job_id)).length,
        missing: [...expected].filter((id) => !seen.has(id)),
        twice: [...seen].filter(([, n]) => n > 1).map(([id]) => id),
        unexpected: [...seen.keys()].filter((id) => !expected.has(id)),
        uniqueRows: events.length,
        uniqueJobs: uniqueIds.size,
        uniqueMissing: jobs.map((r) => r.job_id).filter((id) => !uniqueIds.has(id))
      } satisfies PostingsReport
    }).pipe(Effect.timeout("60 seconds"))
  )

export interface ApplicationsReport {
  /** Transitions the API confirmed to the load (2xx). */
  readonly confirmed: number
  /** Confirmed, but not in `application_history`. */
  readonly confirmedLost: number
  readonly history: number
  /** `application.*` events in ClickHouse: rows after FINAL, and distinct event ids. */
  readonly eventRows: number
  readonly eventIds: number
}

/**
 * Every confirmed application transition kept in PostgreSQL, and every transition PostgreSQL holds counted once
 * in ClickHouse: no more (an event of a move that was rolled back), no less. The run's database holds the
 * suite's applications alone, so whole-table counts are the run's.
 */
export const applicationsOf = (
  runtime: SuiteRuntime,
  confirmed: ReadonlyArray<{ readonly applicationId: string; readonly sequence: number }>
) =>
  runtime.runPromise(
    Effect.gen(function* () {
      const db = yield* Postgres
      const ch = yield* ClickHouse
      const history = yield* db.query<{ application_id: string; sequence: number }>(
        "SELECT application_id, sequence FROM application_history"
      )
      const kept = new Set(history.map((h) => `${h.application_id}/${h.sequence}`))
      const [events] = yield* ch.query<{ n: string; ids: string }>(
        "SELECT count() AS n, uniqExact(event_id) AS ids FROM pipeline_events FINAL WHERE event_type LIKE 'application.%'"
      )
      return {
        confirmed: confirmed.length,
        confirmedLost: confirmed.filter((c) => !kept.has(`${c.applicationId}/${c.sequence}`)).length,
        history: history.length,
        eventRows: Number(events?.n ?? 0),
        eventIds: Number(events?.ids ?? 0)
      } satisfies ApplicationsReport
    }).pipe(Effect.timeout("60 seconds"))
  )

/** Job ids the API can apply to: jobs PostgreSQL holds already. */
export const someJobs = (runtime: SuiteRuntime, count: number) =>
  runtime.runPromise(
    Effect.flatMap(Postgres, (db) =>
      db.query<{ job_id: string }>("SELECT job_id FROM jobs ORDER BY random() LIMIT $1", [count])
    ).pipe(Effect.map((rows) => rows.map((r) => r.job_id)), Effect.timeout("30 seconds"))
  )
