/**
 * Learning from one decision and re-scoring that seeker (issue 14), on the local stack: the real API, PostgreSQL,
 * the scorer stage and the matches sink, as `jobstream start` wires them, the Kafka hop left out (the events are
 * read from the outbox, as the relay would carry them).
 *
 * One seeker with 2,000 recent jobs scored and stored (the re-score's bound, `JOBSTREAM_RESCORE_JOBS`), their
 * embeddings cached as they are once the jobs were first scored. Then, five times each:
 * - learning: a thumbs down through the API (the label stored, the model trained on all labels and 100 background
 *   matches, the `feedback_learned` event written), the scorer handling that event (the seeker's model loaded,
 *   the 2,000 jobs read and scored with it), the re-scored matches stored;
 * - baseline, in the same process on the same seeker and jobs: the same for a change of target titles, the
 *   re-score every seeker already had before models existed.
 *
 * Meant as a section of pipelines/bench.ts; alone:
 *   npx tsx -e 'import("./pipelines/learning.bench.ts").then((m) => m.benchLearning())'
 */
import { randomBytes } from "node:crypto"
import { Effect, ManagedRuntime, Schema } from "effect"
import { demoPostings } from "../connectors/demo-site/catalog.js"
import { makeScorer } from "../processors/scorer.js"
import { encode, type Envelope, type Received, Topics } from "../schemas/Envelope.js"
import { postgresJobs } from "../sinks/postgresJobs.js"
import { postgresMatches } from "../sinks/postgresMatches.js"
import { prepare } from "../stack/clients.js"
import { Postgres } from "../stack/Postgres.js"
import { dropNamespace, resetStores } from "../stack/testing.js"
import { makeApi } from "./api.js"
import { withServices } from "./ingest.js"
import type { BenchRow } from "../stack/benchTable.js"
import { testConfig, testJob } from "./testing.js"

const jobCount = 2_000
const rounds = 5

const line = (label: string, value: string) => console.log(`  ${label.padEnd(62)} ${value}`)
const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

const OutboxRow = Schema.Struct({
  topic: Schema.String,
  key: Schema.NullOr(Schema.String),
  value: Schema.instanceOf(Buffer),
  headers: Schema.Record({ key: Schema.String, value: Schema.String })
})
const asRecords = (envelopes: ReadonlyArray<Envelope>): Array<Received> =>
  envelopes.map((e, i) => ({ ...e, partition: 0, offset: i, timestamp: Date.now() }))

interface Timing {
  readonly answerMs: number
  readonly rescoreMs: number
  readonly storeMs: number
  readonly published: number
}

export const benchLearning = async (): Promise<Array<BenchRow>> => {
  const config = testConfig(`bench-${randomBytes(4).toString("hex")}.`)
  const runtime = ManagedRuntime.make(withServices(config.layer))
  const run = <A, E>(effect: Effect.Effect<A, E, ManagedRuntime.ManagedRuntime.Context<typeof runtime>>) => runtime.runPromise(effect)
  const api = makeApi(await runtime.runtime())
  try {
    await run(Effect.andThen(resetStores, prepare))
    const created = await api.inject({ method: "POST", url: "/seekers", payload: { name: "Bench Seeker" } })
    const auth = { authorization: `Bearer ${(created.json() as { apiKey: string }).apiKey}` }
    const resume = "Data engineer, six years: Python, SQL, Spark and Airflow pipelines on AWS, dbt models, Kafka streams, PostgreSQL."
    await api.inject({ method: "POST", url: "/seekers/me/resumes", headers: { ...auth, "content-type": "text/plain" }, payload: resume })

    // Short postings: the re-score reads cached vectors, so a text's length costs nothing there, only in this setup.
    const jobs = demoPostings(jobCount).map((p, i) => testJob("bench-learning", i, p.title, p.description.slice(0, 240), p.company))
    const scorer = await run(makeScorer)
    const setupStart = performance.now()
    for (let i = 0; i < jobs.length; i += 250) {
      const records = asRecords(jobs.slice(i, i + 250).map((j) => encode(Topics.unique, j)))
      await run(Effect.flatMap(postgresJobs.handle(records), () => scorer.handle(records)).pipe(Effect.flatMap((out) => postgresMatches.handle(asRecords(out)))))
    }
    const setupMs = performance.now() - setupStart

    let seen = 0
    /** The outbox's new `seekers.events` rows, handed to the scorer; what it publishes stored by the sink. */
    const rescore = async (answer: () => Promise<{ statusCode: number; body: string }>): Promise<Timing> => {
      const t0 = performance.now()
      const response = await answer()
      if (response.statusCode >= 300) throw new Error(`bench: ${response.statusCode} ${response.body}`)
      const t1 = performance.now()
      const events = await run(
        Effect.flatMap(Postgres, (db) =>
          db.rows(OutboxRow, "SELECT topic, key, value, headers FROM outbox WHERE topic = $1 ORDER BY id OFFSET $2", [Topics.seekerEvents.name, seen])
        )
      )
      seen += events.length
      const out = await run(scorer.handle(asRecords(events)))
      const t2 = performance.now()
      await run(postgresMatches.handle(asRecords(out)))
      return { answerMs: t1 - t0, rescoreMs: t2 - t1, storeMs: performance.now() - t2, published: out.length }
    }
    // Events of the setup (the resume upload) are not part of any round.
    await rescore(async () => ({ statusCode: 200, body: "" }))

    // The jobs turned down: the seeker's best matches, as a seeker would judge them.
    const best = await run(
      Effect.flatMap(Postgres, (db) => db.rows(Schema.Struct({ job_id: Schema.String }), "SELECT job_id FROM matches ORDER BY score DESC, job_id LIMIT $1", [rounds]))
    )
    const learning: Array<Timing> = []
    const baseline: Array<Timing> = []
    for (let r = 0; r < rounds; r++) {
      baseline.push(
        await rescore(() =>
          api.inject({ method: "PUT", url: "/seekers/me/preferences", headers: auth, payload: { targetTitles: [r % 2 === 0 ? "Data Engineer" : "Analytics Engineer"] } })
        )
      )
      learning.push(
        await rescore(() => api.inject({ method: "PUT", url: `/seekers/me/matches/${best[r]!.job_id}/feedback`, headers: auth, payload: { verdict: "down" } }))
      )
    }

    const total = (t: Timing) => t.answerMs + t.rescoreMs + t.storeMs
    console.log(`Learning from one decision and re-scoring that seeker (${jobCount.toLocaleString("en")} recent jobs; median of ${rounds})`)
    line("setup: jobs embedded, scored and stored once", `${(setupMs / 1000).toFixed(1)} s`)
    line("thumbs down answered (label, training, event), ms", median(learning.map((t) => t.answerMs)).toFixed(0))
    line("re-score with the new model (load, read, score), ms", median(learning.map((t) => t.rescoreMs)).toFixed(0))
    line("re-scored matches stored, ms", `${median(learning.map((t) => t.storeMs)).toFixed(0)} (${median(learning.map((t) => t.published))} published)`)
    line("decision to stored re-scored matches, ms", median(learning.map(total)).toFixed(0))
    line("baseline: target titles changed to stored matches, ms", median(baseline.map(total)).toFixed(0))
    line("ratio learning / baseline time", (median(learning.map(total)) / median(baseline.map(total))).toFixed(2))
    await run(dropNamespace)
    const learned = median(learning.map(total))
    const changed = median(baseline.map(total))
    return [
      {
        id: "L rescore",
        what: `one decision learned and the seeker's ${jobCount.toLocaleString("en")} recent jobs re-scored and stored`,
        value: `${learned.toFixed(0)} ms`,
        baseline: `${changed.toFixed(0)} ms after a preferences change`,
        ratio: changed / learned,
        goal: "reported",
        met: null,
        figures: { learnedMs: learned, baselineMs: changed }
      }
    ]
  } finally {
    await api.close()
    await runtime.dispose()
  }
}
