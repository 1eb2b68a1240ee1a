import { randomBytes } from "node:crypto"
import { AutoTokenizer, env, pipeline } from "@huggingface/transformers"
import { Effect, Fiber, ManagedRuntime } from "effect"
import { demoPostings } from "../connectors/demo-site/catalog.js"
import { encode, Topics } from "../schemas/Envelope.js"
import type { Job } from "../schemas/Job.js"
import type { RawPosting } from "../schemas/RawPosting.js"
import { Kafka } from "../stack/Kafka.js"
import { Postgres } from "../stack/Postgres.js"
import { prepare } from "../stack/clients.js"
import { runStage } from "../stack/stage.js"
import { dropNamespace, resetStores } from "../stack/testing.js"
import type { BenchSection } from "../stack/benchTable.js"
import { withServices } from "./ingest.js"
import { testConfig } from "./testing.js"
import * as Embedder from "../processors/Embedder.js"
import { normalizePosting } from "../processors/normalize/posting.js"
import { makeScorer } from "../processors/scorer.js"

/**
 * P1: the scorer stage end to end (Kafka in, PostgreSQL-cached embeddings, every posting scored against every
 * seeker, `jobs.scored` out) against bare transformers.js (its feature-extraction pipeline, one text per call, CLS
 * pooling) on the same texts. Real postings (the demo fixture) cut to one model window, so both sides do the same
 * model work. Seekers' resumes are drawn from 60 texts: their embeddings are cached, so building the scorer's
 * state costs PostgreSQL reads, not model time, and it is not timed.
 */

/** Real postings (the demo fixture), normalized, each cut to the model's window so every text is one window. */
const benchJobs = async (count: number): Promise<Array<Job>> => {
  const settings = await Effect.runPromise(Embedder.settingsConfig)
  env.allowRemoteModels = false
  env.localModelPath = settings.modelsDir
  const tokenizer = await AutoTokenizer.from_pretrained(settings.model, { local_files_only: true })
  const now = new Date()
  return demoPostings(count).map((p, i) => {
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

const resumeTexts = 60

const pipelineScorer = async (jobs: ReadonlyArray<Job>, seekers: number) => {
  const config = testConfig(`bench-p1-${randomBytes(4).toString("hex")}.`)
  const runtime = ManagedRuntime.make(withServices(config.layer))
  try {
    await runtime.runPromise(Effect.andThen(resetStores, prepare))
    const others = demoPostings(jobs.length + resumeTexts).slice(jobs.length)
    await runtime.runPromise(
      Effect.gen(function* () {
        const db = yield* Postgres
        const ids = Array.from({ length: seekers }, (_, i) => `bench-seeker-${i}`)
        yield* db.query("INSERT INTO seekers (seeker_id, name, api_key_hash) SELECT id, id, id FROM unnest($1::text[]) AS id", [ids])
        yield* db.query(
          `INSERT INTO resumes (resume_id, seeker_id, content_type, body, text_hash, is_primary)
           SELECT id || '-resume', id, 'text/plain', body, md5(body), true FROM unnest($1::text[], $2::text[]) AS r(id, body)`,
          [ids, ids.map((_, i) => { const p = others[i % resumeTexts]!; return `Experienced ${p.title}. ${p.description.slice(0, 600)}` })]
        )
      })
    )
    const built = performance.now()
    const { scorer, kafka } = await runtime.runPromise(Effect.all({ scorer: makeScorer, kafka: Kafka }))
    const buildMs = performance.now() - built
    const fiber = runtime.runFork(runStage(scorer))
    const start = performance.now()
    await runtime.runPromise(kafka.send(jobs.map((job) => encode(Topics.unique, job)), { timeout: "60 seconds" }))
    let lag = -1
    while (lag !== 0) {
      await new Promise((r) => setTimeout(r, 50))
      lag = await runtime.runPromise(kafka.lag(scorer.groupId, scorer.topics))
    }
    const ms = performance.now() - start
    await runtime.runPromise(Fiber.interrupt(fiber))
    await runtime.runPromise(dropNamespace)
    return { ms, buildMs }
  } finally {
    await runtime.dispose()
  }
}

export const scorerSection: BenchSection = {
  id: "P1",
  title: "the scorer stage end to end against bare transformers.js",
  run: async ({ quick }) => {
    const count = quick ? 100 : 500
    const seekers = 1000
    const jobs = await benchJobs(count)
    const texts = jobs.map((j) => `${j.title}\n\n${j.description}`)
    const bareMs = await bareTransformers(texts)
    const { ms, buildMs } = await pipelineScorer(jobs, seekers)
    const bare = count / (bareMs / 1000)
    const piped = count / (ms / 1000)
    console.log(`  P1: scorer state for ${seekers} seekers built in ${(buildMs / 1000).toFixed(1)} s (not timed)`)
    return [
      {
        id: "P1",
        what: `scorer stage end to end, ${count} postings (one window each) x ${seekers.toLocaleString("en")} seekers, via Kafka`,
        value: `${piped.toFixed(1)} postings/s`,
        baseline: `${bare.toFixed(1)} embeddings/s bare transformers.js`,
        ratio: piped / bare,
        goal: ">= 0.95",
        met: piped / bare >= 0.95,
        figures: { postings: count, seekers, pipelineMs: ms, bareMs, buildMs }
      }
    ]
  }
}
