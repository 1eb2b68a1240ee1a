import { Console, Effect } from "effect"
import * as Embedder from "../Embedder.js"
import { htmlToText } from "../normalize/text.js"
import { makeLexicalIndex, tokenize } from "./lexical.js"
import { jobFeatures, type JobFeatures, jobText, seekerProfile, type SeekerProfile } from "./features.js"
import { modelFeatures } from "./feedbackModel.js"
import type { LabelSet } from "./labels.js"
import { combine, scoreBatch } from "./scoring.js"
import { buildSeekerMatrix } from "./seekerMatrix.js"
import { COMPONENTS, WEIGHTS } from "./weights.js"

/**
 * Every resume x posting pair of a labelled set, scored by each method `npm run eval:match` compares: the hybrid
 * score (with and without the seeker's preferences), the embedding cosine and a TF-IDF cosine baseline, with the
 * components and the features a seeker's own model reads.
 */

// ---------------------------------------------------------------------------------------------------------------
// TF-IDF cosine, the baseline: sublinear tf, smooth idf over the postings, L2-normalized

export const tfidfVectors = (documents: ReadonlyArray<ReadonlyArray<string>>) => {
  const df = new Map<string, number>()
  for (const doc of documents) for (const t of new Set(doc)) df.set(t, (df.get(t) ?? 0) + 1)
  const n = documents.length
  const idf = (t: string) => Math.log((1 + n) / (1 + (df.get(t) ?? 0))) + 1
  return (tokens: ReadonlyArray<string>): Map<string, number> => {
    const tf = new Map<string, number>()
    for (const t of tokens) tf.set(t, (tf.get(t) ?? 0) + 1)
    const v = new Map<string, number>()
    let norm = 0
    for (const [t, c] of tf) {
      const x = (1 + Math.log(c)) * idf(t)
      v.set(t, x)
      norm += x * x
    }
    norm = Math.sqrt(norm) || 1
    for (const [t, x] of v) v.set(t, x / norm)
    return v
  }
}

const sparseDot = (a: ReadonlyMap<string, number>, b: ReadonlyMap<string, number>) => {
  let sum = 0
  const [small, large] = a.size < b.size ? [a, b] : [b, a]
  for (const [t, x] of small) sum += x * (large.get(t) ?? 0)
  return sum
}

const dot = (a: Float32Array, b: Float32Array) => {
  let sum = 0
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!
  return sum
}

export interface Pair {
  readonly resume: number
  readonly posting: number
  readonly grade: number
  readonly cosine: number
  readonly tfidf: number
  /** Component values in `COMPONENTS` order (NaN: not assessed) and the penalty points, for re-weighting. */
  readonly components: Float32Array
  readonly points: number
  readonly hybrid: number
  /** The hybrid score without the seeker's preferences. */
  readonly bare: number
  readonly filtered: boolean
  /** The job's features as a seeker's own model reads them. */
  readonly features: ReadonlyArray<string>
}

// ---------------------------------------------------------------------------------------------------------------
// The pairs

/** A labelled set scored: its pairs, and what the evaluation's other sections reuse. */
export const scorePairs = (labels: LabelSet) =>
  Effect.gen(function* () {
    const embedder = yield* Embedder.Embedder
    const postings = labels.postings.map((p) => ({
      jobId: p.id,
      title: p.title,
      description: htmlToText(p.description),
      locations: p.locations,
      remote: p.remote,
      salary: null
    }))
    yield* Console.log(`labelled set: ${labels.resumes.length} resumes x ${postings.length} postings, model ${embedder.model}`)

    const started = performance.now()
    const jobVectors = yield* embedder.embed(postings.map(jobText))
    const resumeVectors = yield* embedder.embed(labels.resumes.map((r) => r.text))
    yield* Console.log(`embedded ${postings.length + labels.resumes.length} texts in ${((performance.now() - started) / 1000).toFixed(1)} s`)

    const index = makeLexicalIndex()
    for (const p of postings) index.add(p.jobId, jobText(p))
    const jobs: Array<JobFeatures> = postings.map((p, j) => jobFeatures(p, jobVectors[j]!, index))
    const profiles: Array<SeekerProfile> = labels.resumes.map((r, i) =>
      seekerProfile({ seekerId: r.id, resumeText: r.text, vector: resumeVectors[i]!, preferences: r.preferences })
    )
    const matrix = buildSeekerMatrix(profiles)
    const vectorize = tfidfVectors(postings.map((p) => tokenize(jobText(p))))
    const jobTfidf = postings.map((p) => vectorize(tokenize(jobText(p))))
    const resumeTfidf = labels.resumes.map((r) => vectorize(tokenize(r.text)))

    // The same scorer with the preferences left out (no target titles, no seniority or must-have preferences: the
    // resume's own seniority instead), to show what the resume alone gives.
    const bare = buildSeekerMatrix(profiles.map((p) => ({ ...p, preferences: {} })))
    const bareScores = jobs.map((job) => scoreBatch(job, bare).hybrid)

    const pairs: Array<Pair> = []
    const lexicalShares: Array<number> = []
    jobs.forEach((job, j) => {
      const batch = scoreBatch(job, matrix)
      labels.resumes.forEach((r, i) => {
        const components = batch.components.slice(i * COMPONENTS.length, (i + 1) * COMPONENTS.length)
        const filtered = batch.filters[i] !== 0
        const points = filtered ? 0 : combine(components, WEIGHTS) - batch.hybrid[i]!
        if (job.lexical !== null) lexicalShares.push(job.lexical.total > 0 ? index.normalizedScore(profiles[i]!.terms, job.jobId) : 0)
        pairs.push({
          resume: i,
          posting: j,
          grade: labels.grades[r.id]?.[job.jobId] ?? 0,
          cosine: dot(resumeVectors[i]!, jobVectors[j]!),
          tfidf: sparseDot(resumeTfidf[i]!, jobTfidf[j]!),
          components,
          points,
          hybrid: filtered ? -1 : batch.hybrid[i]!,
          bare: bareScores[j]![i]!,
          filtered,
          features: modelFeatures(job, components)
        })
      })
    })
    return { pairs, postings, jobs, profiles, matrix, lexicalShares }
  })
