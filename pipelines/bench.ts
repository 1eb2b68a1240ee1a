/**
 * `npm run bench`: throughput of the pipeline's expensive stages, each against a baseline run in the same process
 * on the same input, on this machine. Needs the local stack (it uses a Kafka namespace and the test databases
 * of its own).
 *
 * 1. Embedding: bare transformers.js (its feature-extraction pipeline, one text per call, CLS pooling) against
 *    the scorer stage embedding and scoring the same postings end to end (Kafka in, PostgreSQL-cached
 *    embeddings, scoring against every seeker, `jobs.scored` out). Postings are cut to one model window so both
 *    sides do the same model work.
 * 2. Scoring: one job against 10,000 seekers in one vectorized pass, against a bare matrix-vector product over
 *    the same matrix (the least any semantic scorer must do).
 * 3. KPIs (P6): each KPI query over 10M events generated in ClickHouse, against `SELECT count()` over them
 *    (pipelines/kpis.bench.ts).
 * 4. Near-duplicate dedup of 1M generated postings on one core, against the identity layers alone
 *    (processors/dedup/dedup.bench.ts).
 * 5. Connectors: each API type's parser against JSON.parse of the same bodies, and a 3,000-posting board crawled
 *    over HTTP through the real Publisher, first run against the 304 re-crawl (connectors/connectors.bench.ts).
 * 6. Review desk: 50 reviewers over WebSocket on the real API and desk loop, the wait from a task's creation to
 *    its push and the tasks/s decided, against claim + decide called directly (pipelines/desk.bench.ts).
 * 7. Learning from decisions: training a seeker's model, and one job against 10,000 seekers each with a model
 *    against the same without (processors/matching/feedback.bench.ts).
 * 8. One decision learned and that seeker's 2,000 recent jobs re-scored and stored, on the real API and stores,
 *    against the re-score a change of preferences causes (pipelines/learning.bench.ts).
 */
import { randomBytes } from "node:crypto"
import { AutoTokenizer, env, pipeline } from "@huggingface/transformers"
import { Effect, Fiber, ManagedRuntime } from "effect"
import { benchConnectors } from "../connectors/connectors.bench.js"
import { demoPostings } from "../connectors/demo-site/catalog.js"
import * as Embedder from "../processors/Embedder.js"
import { benchDedup } from "../processors/dedup/dedup.bench.js"
import { benchFeedback } from "../processors/matching/feedback.bench.js"
import { normalizePosting } from "../processors/normalize/posting.js"
import { jobFeatures, seekerProfile } from "../processors/matching/features.js"
import { scoreBatch } from "../processors/matching/scoring.js"
import { buildSeekerMatrix } from "../processors/matching/seekerMatrix.js"
import { makeLexicalIndex } from "../processors/matching/lexical.js"
import { makeScorer, scorerGroup } from "../processors/scorer.js"
import { encode, Topics } from "../schemas/Envelope.js"
import type { Job } from "../schemas/Job.js"
import type { RawPosting } from "../schemas/RawPosting.js"
import { Postgres } from "../stack/Postgres.js"
import { Kafka } from "../stack/Kafka.js"
import { withServices } from "./ingest.js"
import { prepare } from "../stack/clients.js"
import { runStage } from "../stack/stage.js"
import { testConfig } from "./testing.js"
import { benchDesk } from "./desk.bench.js"
import { benchLearning } from "./learning.bench.js"
import { kpiSection } from "./kpis.bench.js"
import { textTable } from "./benchTable.js"
import { dropNamespace, resetStores } from "../stack/testing.js"

const postings = 48
const seekersForPipeline = 20
const seekersForScoring = 10_000

const line = (label: string, value: string) => console.log(`  ${label.padEnd(62)} ${value}`)
const rate = (n: number, ms: number) => (n / (ms / 1000)).toFixed(1)

/** Real postings (the demo fixture), normalized, each cut to the model's window so every text is one window. */
const benchJobs = async (): Promise<Array<Job>> => {
  const settings = await Effect.runPromise(Embedder.settingsConfig)
  env.allowRemoteModels = false
  env.localModelPath = settings.modelsDir
  const tokenizer = await AutoTokenizer.from_pretrained(settings.model, { local_files_only: true })
  const now = new Date()
  return demoPostings(postings).map((p, i) => {
    const ids = tokenizer.encode(`${p.title}\n\n${p.description}`, { add_special_tokens: false }).slice(0, 500)
    const text = tokenizer.decode(ids, { skip_special_tokens: true })
    const raw: RawPosting = {
      source: "bench",
      sourceType: "jsonld",
      externalId: `B-${i}-${randomBytes(3).toString("hex")}`,
      url: `https://bench.example.org/jobs/${i}`,
      fetchedAt: now.toISOString(),
      contentHash: randomBytes(32).toString("hex"),
      fields: { title: p.title, company: p.company, description: text.slice(p.title.length).trim(), locations: [p.location] },
      payload: {}
    }
    const job = normalizePosting(raw, now)
    if (job._tag === "Left") throw new Error(`bench posting ${i}: ${job.left.reason}`)
    return job.right
  })
}

const bareTransformers = async (texts: ReadonlyArray<string>) => {
  const settings = await Effect.runPromise(Embedder.settingsConfig)
  const extract = await pipeline("feature-extraction", settings.model, { local_files_only: true, dtype: "q8" })
  await extract("warm up", { pooling: "cls", normalize: true })
  const start = performance.now()
  for (const text of texts) await extract(text, { pooling: "cls", normalize: true })
  const ms = performance.now() - start
  await extract.dispose()
  return ms
}

const pipelineScorer = async (jobs: ReadonlyArray<Job>) => {
  const config = testConfig(`bench-${randomBytes(4).toString("hex")}.`)
  const runtime = ManagedRuntime.make(withServices(config.layer))
  try {
    await runtime.runPromise(Effect.andThen(resetStores, prepare))
    await runtime.runPromise(
      Effect.gen(function* () {
        const db = yield* Postgres
        const others = demoPostings(postings + seekersForPipeline).slice(postings)
        for (let i = 0; i < seekersForPipeline; i++) {
          const id = `bench-seeker-${i}`
          yield* db.query("INSERT INTO seekers (seeker_id, name, api_key_hash) VALUES ($1, $2, $3)", [id, id, id])
          const posting = others[i]!
          yield* db.query(
            "INSERT INTO resumes (resume_id, seeker_id, content_type, body, text_hash, is_primary) VALUES ($1, $2, 'text/plain', $3, $1, true)",
            [`${id}-resume`, id, `Experienced ${posting.title}. ${posting.description.slice(0, 600)}`]
          )
        }
      })
    )
    const { scorer, kafka } = await runtime.runPromise(Effect.all({ scorer: makeScorer, kafka: Kafka }))
    const fiber = runtime.runFork(runStage(scorer))
    const start = performance.now()
    await runtime.runPromise(kafka.send(jobs.map((job) => encode(Topics.unique, job))))
    let lag = -1
    while (lag !== 0) {
      await new Promise((r) => setTimeout(r, 50))
      lag = await runtime.runPromise(kafka.lag(scorerGroup.groupId, scorerGroup.topics))
    }
    const ms = performance.now() - start
    await runtime.runPromise(Fiber.interrupt(fiber))
    await runtime.runPromise(dropNamespace)
    return ms
  } finally {
    await runtime.dispose()
  }
}

const scoringAt10k = (jobs: ReadonlyArray<Job>) => {
  const d = 384
  const unit = () => {
    const v = Float32Array.from({ length: d }, () => Math.random() - 0.5)
    const n = Math.hypot(...v)
    return v.map((x) => x / n)
  }
  const resumes = demoPostings(60).map((p) => `${p.title}. ${p.description.slice(0, 1500)}`)
  const matrix = buildSeekerMatrix(
    Array.from({ length: seekersForScoring }, (_, i) =>
      seekerProfile({
        seekerId: `s${i}`,
        resumeText: resumes[i % resumes.length]!,
        vector: unit(),
        preferences: i % 3 === 0 ? { remote: "remote_ok", targetTitles: ["Data Scientist"] } : {}
      })
    )
  )
  const lexical = makeLexicalIndex()
  const features = jobs.map((job) => jobFeatures(job, unit(), lexical))
  const rounds = 3
  scoreBatch(features[0]!, matrix)
  let start = performance.now()
  for (let r = 0; r < rounds; r++) for (const f of features) scoreBatch(f, matrix)
  const scoredMs = (performance.now() - start) / (rounds * features.length)
  const vectors = matrix.vectors
  let sink = 0
  start = performance.now()
  for (let r = 0; r < rounds; r++)
    for (const f of features) {
      const q = f.vector
      for (let row = 0; row < seekersForScoring; row++) {
        let dot = 0
        for (let k = 0, base = row * d; k < d; k++) dot += vectors[base + k]! * q[k]!
        sink += dot
      }
    }
  const dotMs = (performance.now() - start) / (rounds * features.length)
  return { scoredMs, dotMs, sink }
}

const main = async () => {
  const cores = (await import("node:os")).cpus().length
  console.log(`jobstream bench: ${postings} real postings (one model window each), ${cores} cores`)
  const jobs = await benchJobs()
  const texts = jobs.map((j) => `${j.title}\n\n${j.description}`)

  const bareMs = await bareTransformers(texts)
  const pipelineMs = await pipelineScorer(jobs)
  const bare = Number(rate(texts.length, bareMs))
  const piped = Number(rate(jobs.length, pipelineMs))
  console.log("Embedding")
  line("bare transformers.js embeddings/s (baseline)", `${bare}`)
  line(`pipeline embedded+scored postings/s (${seekersForPipeline} seekers, via Kafka)`, `${piped}`)
  line("ratio pipeline / bare (goal >= 0.9)", (piped / bare).toFixed(2))

  const { scoredMs, dotMs } = scoringAt10k(jobs)
  console.log(`Scoring one job against ${seekersForScoring.toLocaleString("en")} seekers`)
  line("bare matrix-vector product, ms/job (baseline)", dotMs.toFixed(2))
  line("hybrid scoreBatch, ms/job", scoredMs.toFixed(2))
  line("hybrid scoreBatch, jobs/s", (1000 / scoredMs).toFixed(0))
  line("hybrid scoreBatch, job x seeker pairs/s", ((1000 / scoredMs) * seekersForScoring).toExponential(2))
  line("ratio hybrid / bare product time", (scoredMs / dotMs).toFixed(2))

  console.log(kpiSection.title)
  console.log(textTable(await kpiSection.run({ quick: false })))

  await benchConnectors()

  console.log("Near-duplicate dedup, 1M generated postings, one core")
  benchDedup()

  await benchDesk()

  benchFeedback()

  await benchLearning()
}

await main()
