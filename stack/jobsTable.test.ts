import { Arbitrary, Either, Schema } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { Job } from "../schemas/Job.js"
import { jobAnd, JobFromRow, jobRow } from "./jobsTable.js"

/**
 * The row pg gives for a job the sink wrote with `jobRow` and `jobSelectList` selects: timestamps as Dates (so
 * to the millisecond), dates as the text `to_char` makes, jsonb parsed. The real table's round trip is run by
 * the API and pipeline tests; this one covers every shape a job can take.
 */
const asRead = (job: Job) => ({
  ...jobRow(job),
  fetched_at: new Date(job.fetchedAt),
  normalized_at: new Date(job.normalizedAt)
})

const toMillis = (job: Job): Job => ({
  ...job,
  fetchedAt: new Date(job.fetchedAt).toISOString(),
  normalizedAt: new Date(job.normalizedAt).toISOString()
})

describe("a jobs row is read back as the job it was written from", () => {
  it("decodes every job's row to that job", () => {
    const decode = Schema.decodeUnknownSync(JobFromRow)
    fc.assert(
      fc.property(Arbitrary.make(Job), (job) => {
        expect(decode(asRead(job))).toEqual(toMillis(job))
      }),
      { seed: 20_251_203, numRuns: 200 }
    )
  })

  it("decodes a row with more columns as its job and those columns", () => {
    const [job] = fc.sample(Arbitrary.make(Job), { seed: 7, numRuns: 1 })
    const row = { ...asRead(job!), closed_at: null, sort_date: "2025-04-01" }
    const decoded = Schema.decodeUnknownSync(jobAnd(Schema.Struct({ closed_at: Schema.Null, sort_date: Schema.String })))(row)
    expect(decoded).toEqual({ job: toMillis(job!), more: { closed_at: null, sort_date: "2025-04-01" } })
  })

  it("refuses a row that is no job, naming the column", () => {
    const [job] = fc.sample(Arbitrary.make(Job), { seed: 7, numRuns: 1 })
    const refused = (row: object) => {
      const result = Schema.decodeUnknownEither(JobFromRow)(row)
      return Either.isLeft(result) ? result.left.message : "decoded"
    }
    // A numeric column would come back as a string; a salary with a currency and no period is no salary.
    expect(refused({ ...asRead(job!), salary_min: "100" })).toMatch(/salary_min/)
    expect(refused({ ...asRead(job!), salary_currency: "EUR", salary_period: null })).toMatch(/salary_period/)
    expect(refused({ ...asRead(job!), url: "ftp://example.com/job" })).toMatch(/url/)
  })
})
