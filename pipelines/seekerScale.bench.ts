import { setFlagsFromString } from "node:v8"
import { runInNewContext } from "node:vm"
import { Effect } from "effect"
import { mulberry32 } from "../processors/dedup/labelled.js"
import * as Embedder from "../processors/Embedder.js"
import { jobFeatures, jobText, seekerProfile, type JobFeatures, type SeekerProfile } from "../processors/matching/features.js"
import { loadLabels } from "../processors/matching/labels.js"
import { makeLexicalIndex } from "../processors/matching/lexical.js"
import { scoreBatch } from "../processors/matching/scoring.js"
import { buildSeekerMatrix, type SeekerMatrix } from "../processors/matching/seekerMatrix.js"
import { glassdoorRows } from "../processors/sampleData.js"
import type { Preferences } from "../schemas/Seeker.js"
import type { BenchRow, BenchSection } from "../stack/benchTable.js"

/**
 * Bench section SCALE (`npm run bench -- scale`): up to how many seekers one scorer process can hold in one matrix, and from where the
 * seekers must be sharded across processes (processors/scorerShards.ts).
 *
 * Per size: generated seekers laid out in one matrix (`buildSeekerMatrix`, timed), then one job against all of them
 * with `scoreBatch` against the bare matrix-vector product over the same matrix (the least any semantic scorer
 * does), rounds of each interleaved. The goal: scoring a job must cost less than embedding it, which the scorer
 * pays per job anyway; the embedding time is measured here, in the same run, on real postings (whole texts, every
 * model window, in batches of 8; the stage sends up to 32). A shard scores its slice, so N shards divide the time:
 * the row says how many keep it under the goal. It lives in pipelines/ because a section is a BenchSection, which
 * the layers below do not see.
 *
 * Seekers: the 8 resumes of the labelled set and 192 real postings cut to 1,500 characters as resume texts, each
 * text's skills and terms derived once and shared by the seekers of that text; their own random unit vectors,
 * and preferences varied as seekers set them (target titles and seniority from the labelled set, remote, places,
 * salary floors, must-have and excluded skills). Memory: the matrix's typed arrays, and the heap and RSS with the
 * profiles and the matrix alive, as the scorer keeps both; a real seeker's own skills and terms add to that (the
 * row's `ownTextKiB` per seeker, measured on 2,000 profiles built one by one).
 */

const dimensions = 384

/** A collectable heap, so that a size's memory is its own and not the previous one's garbage. */
setFlagsFromString("--expose-gc")
const collect = runInNewContext("gc") as () => void

const mib = (bytes: number) => bytes / 2 ** 20

const unitVector = (random: () => number) => {
  const v = new Float32Array(dimensions)
  let norm = 0
  for (let k = 0; k < dimensions; k++) {
    v[k] = random() - 0.5
    norm += v[k]! * v[k]!
  }
  norm = Math.sqrt(norm)
  for (let k = 0; k < dimensions; k++) v[k]! /= norm
  return v
}

const places = [["Berlin, Germany"], ["New York, NY"], ["San Francisco, CA", "Remote"], ["London, United Kingdom"]]
const skillsAsked = ["Python", "SQL", "Go", "Kubernetes", "Java", "Spark"]

/** The preferences of seeker `i`: a labelled resume's titles and levels, and constraints on some. */
const preferencesOf = (random: () => number, templates: ReadonlyArray<Preferences>, i: number): Preferences => {
  const p: { -readonly [K in keyof Preferences]: Preferences[K] } = { ...templates[i % templates.length]! }
  const r = random()
  if (r < 0.1) p.remote = "remote_only"
  else if (r < 0.3) p.locations = places[i % places.length]!
  if (random() < 0.15) p.salaryFloor = { amount: 60_000 + Math.floor(random() * 80_000), currency: "USD", period: "YEAR" }
  if (random() < 0.1) p.mustHaveSkills = [skillsAsked[i % skillsAsked.length]!]
  if (random() < 0.05) p.excludedSkills = [skillsAsked[(i + 1) % skillsAsked.length]!]
  return p
}

/** Bytes of the matrix's own arrays: vectors, bitsets, codes and the inverted lists of resume terms. */
const matrixBytes = (m: SeekerMatrix) => {
  let bytes = 0
  for (const value of Object.values(m)) if (ArrayBuffer.isView(value)) bytes += value.byteLength
  for (const list of m.termSeekers.values()) bytes += list.byteLength
  return bytes
}

/** The same job against every row: a dot product per seeker (unrolled by four, as `scoreBatch`'s), nothing else. */
const bareProduct = (m: SeekerMatrix, q: Float32Array) => {
  const { vectors, dots } = m
  for (let row = 0, base = 0; row < m.size; row++, base += dimensions) {
    let s0 = 0
    let s1 = 0
    let s2 = 0
    let s3 = 0
    for (let k = 0; k < dimensions; k += 4) {
      s0 += vectors[base + k]! * q[k]!
      s1 += vectors[base + k + 1]! * q[k + 1]!
      s2 += vectors[base + k + 2]! * q[k + 2]!
      s3 += vectors[base + k + 3]! * q[k + 3]!
    }
    dots[row] = s0 + s1 + s2 + s3
  }
}

/**
 * What `f` returns, and its wall and CPU milliseconds. CPU time is the process's (every thread's): on a machine shared with other
 * work, wall time grows with the load and CPU time much less, so the goal is judged on CPU time.
 */
const timed = <A>(f: () => A) => {
  const wall = performance.now()
  const cpu = process.cpuUsage()
  const result = f()
  const used = process.cpuUsage(cpu)
  return { result, wall: performance.now() - wall, cpu: (used.user + used.system) / 1000 }
}

const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

/** Per job of `jobs`, medians over `rounds` of `f` and `g`, rounds of the two alternating. */
const interleaved = (rounds: number, jobs: ReadonlyArray<JobFeatures>, f: (job: JobFeatures) => void, g: (job: JobFeatures) => void) => {
  const runs = Array.from({ length: rounds }, () => [f, g].map((each) => timed(() => jobs.forEach(each))))
  const per = (which: number, unit: "wall" | "cpu") => median(runs.map((r) => r[which]![unit] / jobs.length))
  return { scored: { wall: per(0, "wall"), cpu: per(0, "cpu") }, bare: { wall: per(1, "wall"), cpu: per(1, "cpu") } }
}

/** Embedding per real posting, whole text, batches of 8: what the scorer spends per job before scoring it. */
const embedding = (texts: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const embedder = yield* Embedder.Embedder
    yield* embedder.embed(["warm up"])
    const wall = performance.now()
    const cpu = process.cpuUsage()
    for (let i = 0; i < texts.length; i += 8) yield* embedder.embed(texts.slice(i, i + 8))
    const used = process.cpuUsage(cpu)
    return { wall: (performance.now() - wall) / texts.length, cpu: (used.user + used.system) / 1000 / texts.length }
  }).pipe(Effect.provide(Effect.runSync(Effect.map(Embedder.settingsConfig, Embedder.layer))))

const run = async ({ quick }: { readonly quick: boolean }): Promise<ReadonlyArray<BenchRow>> => {
  const random = mulberry32(16)
  const labels = loadLabels()
  const rows = glassdoorRows()
  const resumeTexts = [...labels.resumes.map((r) => r.text), ...rows.slice(0, 192).map((r) => `${r.title}. ${r.description.slice(0, 1500)}`)]
  const templates = labels.resumes.map((r) => r.preferences)
  const postings = rows.slice(400, 400 + (quick ? 8 : 32))

  const embedded = await Effect.runPromise(embedding(postings.map((p) => jobText(p))))

  const lexical = makeLexicalIndex()
  for (const [i, p] of rows.slice(200, 800).entries()) lexical.add(`l${i}`, jobText(p))
  const jobs = postings.map((p, i) =>
    jobFeatures({ jobId: `j${i}`, title: p.title, description: p.description, locations: [p.location], remote: false, salary: null }, unitVector(random), lexical)
  )

  // What a seeker's own text costs beyond the shared one: 2,000 profiles built one by one, each its own arrays.
  collect()
  const heapBefore = process.memoryUsage().heapUsed
  const own = Array.from({ length: 2000 }, (_, i) =>
    seekerProfile({ seekerId: `o${i}`, resumeText: resumeTexts[i % resumeTexts.length]!, vector: new Float32Array(0) })
  )
  collect()
  const ownTextKiB = (process.memoryUsage().heapUsed - heapBefore) / own.length / 1024
  own.length = 0

  const shared = resumeTexts.map((resumeText) => seekerProfile({ seekerId: "", resumeText, vector: new Float32Array(0) }))
  const sizes = quick ? [10_000, 100_000, 300_000] : [10_000, 100_000, 300_000, 1_000_000]
  const out: Array<BenchRow> = []
  for (const n of sizes) {
    collect()
    const rssBefore = process.memoryUsage().rss
    let profiles: Array<SeekerProfile> = Array.from({ length: n }, (_, i) => ({
      ...shared[i % shared.length]!,
      seekerId: `s${i}`,
      vector: unitVector(random),
      preferences: preferencesOf(random, templates, i)
    }))
    const build = timed(() => buildSeekerMatrix(profiles))
    const m = build.result
    collect()
    const memory = process.memoryUsage()
    // About 2 s of each per round, at least 2 jobs.
    const perRound = jobs.slice(0, Math.max(2, Math.min(jobs.length, Math.round(2e6 / n))))
    scoreBatch(perRound[0]!, m)
    bareProduct(m, perRound[0]!.vector)
    const { scored, bare } = interleaved(quick ? 3 : 5, perRound, (job) => scoreBatch(job, m), (job) => bareProduct(m, job.vector))
    const shards = Math.ceil(scored.cpu / embedded.cpu)
    // Scoring time is linear in the seekers: where it would equal the embedding at this size's rate.
    const breakEven = Math.round((n * embedded.cpu) / scored.cpu)
    out.push({
      id: `SCALE ${n >= 1e6 ? `${n / 1e6}M` : `${n / 1e3}k`}`,
      what:
        `one job x ${n.toLocaleString("en")} seekers in one matrix, CPU ms: scoreBatch vs bare product (build ${(build.cpu / 1000).toFixed(1)} s CPU, ` +
        `matrix ${mib(matrixBytes(m)).toFixed(0)} MiB, RSS ${mib(memory.rss).toFixed(0)} MiB; goal met up to ~${breakEven.toLocaleString("en")} seekers; shards needed: ${shards})`,
      value: `${scored.cpu.toFixed(1)} ms/job`,
      baseline: `${bare.cpu.toFixed(1)} ms/job`,
      ratio: bare.cpu / scored.cpu,
      goal: `< embedding ${embedded.cpu.toFixed(0)} ms/job`,
      met: scored.cpu < embedded.cpu,
      figures: {
        seekers: n,
        scoredCpuMs: scored.cpu,
        scoredWallMs: scored.wall,
        bareCpuMs: bare.cpu,
        bareWallMs: bare.wall,
        embedCpuMs: embedded.cpu,
        embedWallMs: embedded.wall,
        buildCpuMs: build.cpu,
        buildWallMs: build.wall,
        shardsNeeded: shards,
        breakEvenSeekers: breakEven,
        matrixMiB: mib(matrixBytes(m)),
        heapMiB: mib(memory.heapUsed),
        rssMiB: mib(memory.rss),
        rssGrowthMiB: mib(memory.rss - rssBefore),
        ownTextKiB
      }
    })
    profiles = []
  }
  return out
}

export const seekerScale: BenchSection = {
  id: "SCALE",
  title: "One seeker matrix per scorer process: scoring time, build time and memory by seekers, against embedding",
  run
}
