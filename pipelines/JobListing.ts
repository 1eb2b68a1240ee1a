import { Data, Effect, Either, Schema } from "effect"
import type { JobsPage, JobsQuery } from "../schemas/Api.js"
import { CalendarDate } from "../schemas/common.js"
import { Postgres } from "../stack/Postgres.js"
import { jobAnd } from "../stack/jobsTable.js"
import { ListingColumns, listingSelectList, listingsOf } from "./JobClusters.js"

/** A `cursor` that no page of this API returned (a hand-made or damaged one). */
export class InvalidCursor extends Data.TaggedError("InvalidCursor") {
  override get message() {
    return "cursor is not one this API returned"
  }
}

/** A page of `GET /jobs`: newest first, filtered, after the cursor of the page before. */
export const listJobs = (query: JobsQuery) =>
  Effect.gen(function* () {
    const limit = query.limit ?? 20
    const { where, params } = yield* filters(query)
    const db = yield* Postgres
    const rows = yield* db.rows(
      Page,
      `SELECT ${listingSelectList}, coalesce(posted_at, '0001-01-01')::text AS sort_date
       FROM jobs ${where.length > 0 ? `WHERE ${where.join(" AND ")}` : ""}
       ORDER BY coalesce(posted_at, '0001-01-01') DESC, job_id ASC
       LIMIT ${limit + 1}`,
      params
    )
    const page = rows.slice(0, limit)
    const last = page[page.length - 1]
    const nextCursor = rows.length > limit && last ? encodeCursor(last.more.sort_date, last.job.jobId) : null
    return { items: yield* listingsOf(page), nextCursor } satisfies JobsPage
  })

/** SQL conditions for the query; every user value is a bound parameter. */
const filters = (query: JobsQuery) =>
  Effect.gen(function* () {
    const where: Array<string> = []
    const params: Array<unknown> = []
    const bind = (value: unknown) => `$${params.push(value)}`
    if (query.q)
      where.push(
        `search_vector @@ websearch_to_tsquery('english', ${bind(query.q)})`
      )
    if (query.company) where.push(`company ILIKE ${bind(`%${escapeLike(query.company)}%`)}`)
    if (query.location)
      where.push(`EXISTS (SELECT 1 FROM unnest(locations) AS l WHERE l ILIKE ${bind(`%${escapeLike(query.location)}%`)})`)
    if (query.source) {
      const source = bind(query.source)
      where.push(`(source = ${source} OR EXISTS (SELECT 1 FROM job_duplicates d WHERE d.duplicate_of = jobs.job_id AND d.source = ${source}))`)
    }
    if (query.remote !== undefined) where.push(`remote = ${bind(query.remote)}`)
    if (query.employmentType) where.push(`employment_type = ${bind(query.employmentType)}`)
    if (query.postedSince) where.push(`posted_at >= ${bind(query.postedSince)}::date`)
    if (query.salaryMin !== undefined) where.push(`coalesce(salary_max, salary_min) >= ${bind(query.salaryMin)}`)
    const status = query.status ?? "open"
    if (status !== "all") where.push(status === "open" ? "closed_at IS NULL" : "closed_at IS NOT NULL")
    if (query.cursor) {
      const cursor = yield* Either.match(decodeCursor(query.cursor), {
        onLeft: () => Effect.fail(new InvalidCursor()),
        onRight: Effect.succeed
      })
      const date = bind(cursor.date)
      where.push(
        `(coalesce(posted_at, '0001-01-01') < ${date}::date OR (coalesce(posted_at, '0001-01-01') = ${date}::date AND job_id > ${bind(cursor.id)}))`
      )
    }
    return { where, params }
  })

/** A listing with the date it sorts by, as text: the cursor of the page it ends. */
const Page = jobAnd(Schema.Struct({ ...ListingColumns.fields, sort_date: Schema.String }))

const CursorJson = Schema.parseJson(Schema.Struct({ date: CalendarDate, id: Schema.String.pipe(Schema.pattern(/^[0-9a-f]{32}$/)) }))

const encodeCursor = (date: string, id: string) =>
  Buffer.from(Schema.encodeSync(CursorJson)({ date, id })).toString("base64url")

const decodeCursor = (cursor: string) =>
  Schema.decodeUnknownEither(CursorJson)(Buffer.from(cursor, "base64url").toString("utf8"))

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`)
