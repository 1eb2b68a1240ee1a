import { Context, Effect, Layer, Ref, Schema } from "effect"
import type { Job } from "../schemas/Job.js"
import { Embedder, type EmbedderError } from "../processors/Embedder.js"
import { jobText } from "../processors/matching/features.js"
import { Postgres, type PostgresError, type RowDecodeError } from "../stack/Postgres.js"
import { jobAnd, JobFromRow, jobSelectList } from "../stack/jobsTable.js"

export interface SearchHit {
  readonly job: Job
  /** Reciprocal-rank fusion of the two rankings, scaled so that first in both is 1. */
  readonly score: number
  readonly semantic: number | null
  readonly lexical: number | null
}

/** Ranks from each side that take part in the fusion; RRF's usual damping constant. */
const candidates = 50
const rrfK = 60

/**
 * `GET /jobs/search?q=`: semantic (cosine of the query's embedding with each job's) and lexical (PostgreSQL full
 * text, `ts_rank_cd`) rankings fused by reciprocal rank. Job vectors are held in memory and topped up from the
 * jobs table on each search; they come from the shared embedding cache, so nothing the scorer embedded is
 * embedded again.
 */
export class JobSearch extends Context.Tag("jobstream/JobSearch")<
  JobSearch,
  { readonly search: (query: string, limit: number) => Effect.Effect<Array<SearchHit>, PostgresError | RowDecodeError | EmbedderError> }
>() {}

interface Index {
  readonly ids: Array<string>
  vectors: Float32Array
  size: number
  seenUntil: string
}

export const make = Effect.gen(function* () {
  const db = yield* Postgres
  const embedder = yield* Embedder
  const d = embedder.dimensions
  const state = yield* Ref.make<Index>({ ids: [], vectors: new Float32Array(0), size: 0, seenUntil: "-infinity" })
  const lock = yield* Effect.makeSemaphore(1)

  /** Adds the jobs first seen since the last top-up (new jobs only: a changed job keeps its first vector). */
  const topUp = lock.withPermits(1)(
    Effect.gen(function* () {
      const index = yield* Ref.get(state)
      const rows = yield* db.rows(
        SeenJob,
        `SELECT ${jobSelectList}, first_seen_at::text AS seen FROM jobs WHERE first_seen_at > $1::timestamptz
         ORDER BY first_seen_at LIMIT 5000`,
        [index.seenUntil]
      )
      if (rows.length === 0) return index
      const jobs = rows.map((r) => r.job)
      const vectors = yield* embedder.embed(jobs.map(jobText))
      if (index.vectors.length < (index.size + jobs.length) * d) {
        const grown = new Float32Array(Math.max(2 * index.vectors.length, (index.size + jobs.length) * d))
        grown.set(index.vectors)
        index.vectors = grown
      }
      jobs.forEach((job, i) => {
        index.vectors.set(vectors[i]!, (index.size + i) * d)
        index.ids.push(job.jobId)
      })
      index.size += jobs.length
      index.seenUntil = rows[rows.length - 1]!.more.seen
      return index
    })
  )

  const search = (query: string, limit: number) =>
    Effect.gen(function* () {
      const index = yield* topUp
      const [q] = yield* embedder.embed([query])
      // The best `candidates` kept in order as the rows go by: sorting a pair per job cost a tenth of the API's
      // time under load at 100k jobs.
      const top: Array<[string, number]> = []
      for (let row = 0; row < index.size; row++) {
        let dot = 0
        const base = row * d
        for (let k = 0; k < d; k++) dot += index.vectors[base + k]! * q![k]!
        if (top.length === candidates && dot <= top[candidates - 1]![1]) continue
        let at = top.length
        while (at > 0 && top[at - 1]![1] < dot) at--
        top.splice(at, 0, [index.ids[row]!, dot])
        if (top.length > candidates) top.pop()
      }
      const semantic = top
      const lexical = yield* db.rows(
        LexicalHit,
        `SELECT job_id, ts_rank_cd(search_vector, q) AS rank
         FROM jobs, websearch_to_tsquery('english', $1) AS q
         WHERE search_vector @@ q
         ORDER BY rank DESC, job_id LIMIT ${candidates}`,
        [query]
      )
      const fused = new Map<string, { score: number; semantic: number | null; lexical: number | null }>()
      const entry = (id: string) => fused.get(id) ?? fused.set(id, { score: 0, semantic: null, lexical: null }).get(id)!
      semantic.forEach(([id, cosine], rank) => {
        const e = entry(id)
        e.score += 1 / (rrfK + rank + 1)
        e.semantic = Math.round(cosine * 1000) / 1000
      })
      lexical.forEach((r, rank) => {
        const e = entry(r.job_id)
        e.score += 1 / (rrfK + rank + 1)
        e.lexical = Math.round(r.rank * 1000) / 1000
      })
      const best = [...fused].sort((a, b) => b[1].score - a[1].score || a[0].localeCompare(b[0])).slice(0, limit)
      if (best.length === 0) return []
      const found = yield* db.rows(JobFromRow, `SELECT ${jobSelectList} FROM jobs WHERE job_id = ANY($1::text[])`, [
        best.map(([id]) => id)
      ])
      const jobs = new Map(found.map((job) => [job.jobId, job]))
      return best.flatMap(([id, e]) => {
        const job = jobs.get(id)
        return job ? [{ job, score: Math.round((e.score * (rrfK + 1)) / 2 * 1000) / 1000, semantic: e.semantic, lexical: e.lexical }] : []
      })
    }).pipe(Effect.withSpan("JobSearch.search"))

  return JobSearch.of({ search })
})

export const layer = Layer.effect(JobSearch, make)

/** A job with when it was first seen, as text: the index's next top-up starts after it, to the microsecond. */
const SeenJob = jobAnd(Schema.Struct({ seen: Schema.String }))

/** `ts_rank_cd` is a real, which pg reads as a number. */
const LexicalHit = Schema.Struct({ job_id: Schema.String, rank: Schema.Number })
