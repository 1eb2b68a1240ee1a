import { Config, Effect, Either, Schema } from "effect"
import { deadLetter, decode, encode, hashId, Topics, type Envelope, type Received } from "../schemas/Envelope.js"
import type { Job } from "../schemas/Job.js"
import { Preferences, type Match, type SeekerEvent } from "../schemas/Seeker.js"
import type { Stage } from "../stack/stage.js"
import { Postgres, type PostgresError, type RowDecodeError } from "../stack/Postgres.js"
import { JobFromRow, jobSelectList } from "../stack/jobsTable.js"
import { Embedder, type EmbedderError } from "./Embedder.js"
import { makeLexicalIndex } from "./matching/lexical.js"
import { explain, type SeekerScore } from "./matching/explanations.js"
import { jobFeatures, jobText, seekerProfile, type JobFeatures, type SeekerProfile } from "./matching/features.js"
import { scoreBatch } from "./matching/scoring.js"
import { buildSeekerMatrix, type SeekerMatrix } from "./matching/seekerMatrix.js"
import { describeLearned, jobModelFeatures, type Label, learnedFor, modelFeatures, type SeekerModel } from "./matching/feedbackModel.js"
import { buildLearnedIndex, type LearnedIndex, learnedLogits } from "./matching/learnedIndex.js"
import { readLabels, readModel } from "./feedbackStore.js"
import { calibrated, COMPONENTS } from "./matching/weights.js"
import { owns, scorerGroup, shardConfig } from "./scorerShards.js"

interface Scorable {
  readonly features: JobFeatures
  readonly source: string
  readonly contentHash: string
}

interface Seeker {
  readonly profile: SeekerProfile
  readonly resumeId: string
  /**
   * A hash of what the profile was built from (resume text, preferences and the version of the seeker's own model):
   * an event that leaves it unchanged re-scores nothing, and it is part of each match's inputs.
   */
  readonly basis: string
  /** The seeker's own model, learned from their decisions, and the labels it learned from (for its reasons). */
  readonly model: SeekerModel
  readonly labels: ReadonlyArray<Label>
}

/**
 * Scores every unique job against every seeker (`jobs.unique` x seekers -> `jobs.scored`), and re-scores the
 * recent jobs of a seeker whose resume or preferences changed (`seekers.events`). State: the seekers as one
 * matrix (rebuilt from PostgreSQL at start and on each change) and a BM25 index of the jobs seen (rebuilt from
 * PostgreSQL at start). Only pairs scoring at least the floor are published, plus every pair a re-score lowers
 * below it, so the stored match is corrected rather than left stale.
 *
 * With shards (scorerShards.ts), this process holds only the seekers its shard owns and ignores the events of
 * the others, and reads every job in its shard's own consumer group; the BM25 index still covers every job, so a
 * pair scores as it would without shards.
 */
export const makeScorer = Effect.gen(function* () {
  const db = yield* Postgres
  const embedder = yield* Embedder
  const settings = yield* Config.all({
    // A 15% probability is a hybrid of about 40, the floor before scores were calibrated.
    floor: Config.integer("JOBSTREAM_SCORE_FLOOR").pipe(Config.withDefault(15)),
    rescoreJobs: Config.integer("JOBSTREAM_RESCORE_JOBS").pipe(Config.withDefault(2000)),
    shard: shardConfig
  })
  const lexical = makeLexicalIndex()
  for (const job of yield* recentJobs(db, 20_000)) lexical.add(job.jobId, jobText(job))

  const seekers = new Map<string, Seeker>()
  for (const id of (yield* seekerIds(db)).filter((id) => owns(settings.shard, id))) {
    const seeker = yield* loadSeeker(db, embedder, id)
    if (seeker) seekers.set(id, seeker)
  }
  let laidOut = layout([...seekers.values()])
  const { index, count } = settings.shard
  yield* Effect.logInfo(`scorer ready: ${seekers.size} seekers${count === 1 ? "" : ` (shard ${index} of ${count})`}, ${lexical.size} jobs indexed`)

  const features = (jobs: ReadonlyArray<Job>) =>
    Effect.map(embedder.embed(jobs.map(jobText)), (vectors) =>
      jobs.map(
        (job, i): Scorable => ({ features: jobFeatures(job, vectors[i]!, lexical), source: job.source, contentHash: job.contentHash })
      )
    )

  /**
   * Features of a batch's jobs. A text the model cannot take fails again on retry, so when the batch fails the
   * jobs are embedded one by one and the ones that fail go to the dead-letter topic; a model that cannot run at
   * all (a load failure) still fails the batch, to be retried.
   */
  const featuresOrDeadLetters = (jobs: ReadonlyArray<{ job: Job; record: Received }>) =>
    features(jobs.map((j) => j.job)).pipe(
      Effect.map((scored) => ({ scored, rejected: [] as Array<Envelope> })),
      Effect.catchIf(
        (e) => e.operation === "embed",
        () =>
          Effect.reduce(jobs, { scored: [] as Array<Scorable>, rejected: [] as Array<Envelope> }, (acc, { job, record }) =>
            features([job]).pipe(
              Effect.map(([f]) => ({ ...acc, scored: [...acc.scored, f!] })),
              Effect.catchIf(
                (e) => e.operation === "embed",
                (e) => Effect.succeed({ ...acc, rejected: [...acc.rejected, deadLetter("score", e.message, record)] })
              )
            )
          )
      )
    )

  const toMatch = (score: SeekerScore, job: Scorable): Match => {
    const seeker = seekers.get(score.seekerId)
    return {
      ...score,
      source: job.source,
      components: score.components as Record<string, number>,
      resumeId: seeker?.resumeId ?? "",
      model: embedder.model,
      scoredAt: new Date().toISOString(),
      inputs: { jobContentHash: job.contentHash, seekerBasis: seeker?.basis ?? "" }
    }
  }

  /**
   * Every seeker of `m` at or above the floor for each job; `keep` adds rows to publish whatever their score. A
   * seeker with a model of their own (`learned`, in `m`'s row order) gets the hybrid score moved by it (a filtered
   * match stays filtered), and the explanation says by how much and why.
   */
  const score = (jobs: ReadonlyArray<Scorable>, [m, learned]: Layout, keep: (jobId: string) => boolean = () => false) =>
    jobs.flatMap((job) => {
      const batch = scoreBatch(job.features, m)
      const moved = new Map<number, number>()
      if (learned.rows > 0) {
        const z = learnedLogits(learned, jobModelFeatures(job.features), batch.components)
        for (let i = 0; i < m.size; i++) {
          if (learned.learned[i] === 0 || batch.filters[i] !== 0) continue
          const next = calibrated(batch.hybrid[i]!, z[i]!)
          moved.set(i, next - batch.exact[i]!)
          batch.exact[i] = next
          batch.scores[i] = Math.round(next)
        }
      }
      const out: Array<Envelope> = []
      for (let i = 0; i < m.size; i++)
        if (batch.scores[i]! >= settings.floor || keep(job.features.jobId)) {
          const explained = explain(job.features, m, batch, i)
          const points = moved.get(i)
          const seeker = seekers.get(explained.seekerId)
          // Reasons only for what is published: a seeker's labels are read per feature of the pair.
          const reasons = () =>
            learnedFor(seeker!.model, seeker!.labels, modelFeatures(job.features, batch.components.subarray(i * COMPONENTS.length, (i + 1) * COMPONENTS.length))).map(describeLearned)
          out.push(encode(Topics.scored, toMatch(points === undefined ? explained : withLearned(explained, points, reasons()), job)))
        }
      return out
    })

  const rescore = (seekerId: string) =>
    Effect.gen(function* () {
      const seeker = seekers.get(seekerId)
      if (!seeker) return []
      const jobs = yield* recentJobs(db, settings.rescoreJobs)
      const matched = yield* db.rows(Schema.Struct({ job_id: Schema.String }), "SELECT job_id FROM matches WHERE seeker_id = $1", [
        seekerId
      ])
      const known = new Set(matched.map((r) => r.job_id))
      return score(yield* features(jobs), layout([seeker]), (jobId) => known.has(jobId))
    })

  const stage: Stage<PostgresError | RowDecodeError | EmbedderError, never> = {
    name: "score",
    ...scorerGroup(settings.shard),
    // A batch is one commit and one progress mark: 32 postings whose text is new to the embedding cache take about
    // 30 s on 2 busy cores (about one model window per second). At 64, a first batch after a restart took over
    // the 60 s in which /healthz calls a stage with input waiting stalled (the fault suite's crawl drain).
    maxBatch: 32,
    handle: (batch) =>
      Effect.gen(function* () {
        const out: Array<Envelope> = []
        const changed = new Set<string>()
        const jobs: Array<{ job: Job; record: Received }> = []
        for (const record of batch) {
          const read = readRecord(record)
          if (Either.isLeft(read)) out.push(deadLetter("score", read.left, record))
          else if ("type" in read.right) {
            if (owns(settings.shard, read.right.seekerId)) changed.add(read.right.seekerId)
          } else jobs.push({ job: read.right, record })
        }
        // Seekers first, so the jobs of this batch are scored against their new profiles.
        const rescored: Array<string> = []
        for (const seekerId of changed) {
          const before = seekers.get(seekerId)
          const after = yield* loadSeeker(db, embedder, seekerId)
          if (after) seekers.set(seekerId, after)
          else seekers.delete(seekerId)
          if (after && after.basis !== before?.basis) rescored.push(seekerId)
        }
        if (changed.size > 0) laidOut = layout([...seekers.values()])
        if (jobs.length > 0 && laidOut[0].size > 0) {
          const { scored, rejected } = yield* featuresOrDeadLetters(jobs)
          out.push(...rejected, ...score(scored, laidOut))
        } else for (const { job } of jobs) lexical.add(job.jobId, jobText(job))
        for (const seekerId of rescored) out.push(...(yield* rescore(seekerId)))
        return out
      })
  }
  return stage
})

const withLearned = (score: SeekerScore, points: number, reasons: ReadonlyArray<string>): SeekerScore => ({
  ...score,
  explanation: { ...score.explanation, learned: { points: Math.round(points * 10) / 10, reasons } }
})

/** Seekers laid out for one pass: their profiles, and their own models in the same row order. */
type Layout = readonly [SeekerMatrix, LearnedIndex]
const layout = (seekers: ReadonlyArray<Seeker>): Layout => [
  buildSeekerMatrix(seekers.map((s) => s.profile)),
  buildLearnedIndex(seekers.map((s) => s.model))
]

const readRecord = (record: Received): Either.Either<Job | SeekerEvent, string> => {
  const decoded: Either.Either<Job | SeekerEvent, { reason: string }> =
    record.topic === Topics.seekerEvents.name ? decode(Topics.seekerEvents, record) : decode(Topics.unique, record)
  return Either.mapLeft(decoded, (e) => `DecodeError: ${e.reason}`)
}

const recentJobs = (db: Postgres["Type"], limit: number) =>
  db.rows(JobFromRow, `SELECT ${jobSelectList} FROM jobs ORDER BY first_seen_at DESC, job_id LIMIT $1`, [limit])

const seekerIds = (db: Postgres["Type"]) =>
  Effect.map(db.rows(Schema.Struct({ seeker_id: Schema.String }), "SELECT DISTINCT seeker_id FROM resumes WHERE is_primary"), (rows) =>
    rows.map((r) => r.seeker_id)
  )

/**
 * Preferences stay as stored: one that no longer decodes scores as none rather than stopping the scorer, and
 * the basis hashes them as stored.
 */
const SeekerRow = Schema.Struct({ resume_id: Schema.String, body: Schema.String, text_hash: Schema.String, preferences: Schema.Unknown })

/**
 * A seeker's profile from their primary resume and preferences, with their own model and its labels when they
 * have made decisions; `undefined` without a primary resume.
 */
const loadSeeker = (db: Postgres["Type"], embedder: Embedder["Type"], seekerId: string) =>
  Effect.gen(function* () {
    const [row] = yield* db.rows(
      SeekerRow,
      `SELECT r.resume_id, r.body, r.text_hash, s.preferences
       FROM seekers s JOIN resumes r ON r.seeker_id = s.seeker_id AND r.is_primary
       WHERE s.seeker_id = $1`,
      [seekerId]
    )
    if (!row) return undefined
    const learned = yield* readModel(db, seekerId)
    const labels = learned.model.labels > 0 ? yield* readLabels(db, seekerId) : []
    const preferences = Schema.decodeUnknownEither(Preferences)(row.preferences)
    const [vector] = yield* embedder.embed([row.body])
    // The cache key goes on the resume, for its erasure to find the vector. A resume erased while it was being
    // embedded is gone: its vector, cached just now, is deleted again and the seeker is not loaded.
    const key = embedder.cacheKey(row.body)
    const recorded = yield* db.query(
      `WITH added AS (UPDATE resumes SET embedding_keys = embedding_keys || $2::text WHERE resume_id = $1 AND NOT ($2 = ANY(embedding_keys)))
       SELECT 1 FROM resumes WHERE resume_id = $1`,
      [row.resume_id, key]
    )
    if (recorded.length === 0) {
      yield* db.query("DELETE FROM embeddings WHERE key = $1", [key])
      return undefined
    }
    const profile = seekerProfile({
      seekerId,
      resumeText: row.body,
      vector: vector!,
      preferences: Either.getOrElse(preferences, () => ({}))
    })
    // jsonb keeps its keys in one order, so equal preferences always print alike.
    return {
      profile,
      resumeId: row.resume_id,
      // A seeker without a model keeps the basis (and so the event ids) they had before models existed.
      basis: hashId("seeker", row.text_hash, JSON.stringify(row.preferences), ...(learned.version === "" ? [] : [learned.version])),
      model: learned.model,
      labels
    } satisfies Seeker
  })

