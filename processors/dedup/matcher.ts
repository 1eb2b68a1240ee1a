import type { Duplicate, Job } from "../../schemas/Job.js"
import { bandKeys, containment, jaccard, sketch, type Sketch } from "./minhash.js"
import { locationKeys, locationsCompatible, postingRefs, refsConflict, titleKey, titleLevels, titleSimilarity } from "./keys.js"

/**
 * The layered near-duplicate decision, cheapest layer first, over an index of the postings seen so far. Pure:
 * the deduplicator stage loads the part of the index a batch can touch from PostgreSQL, the evaluation and the
 * bench keep the whole index in memory; both run this same code.
 *
 * Layers, in order, each ending the search when it matches:
 * 1. `requisition-id`: the same requisition id within the company;
 * 2. `canonical-url`: the same URL once tracking parameters and formatting are removed;
 * 3. `url-variant`: the same applicant-tracking-system posting behind different URLs (see `postingRefs`);
 * 4. `title-company-location`: the same title key, company and place within the time window;
 * 5. `near-duplicate`: MinHash-LSH over the description's shingles within the company block and time window,
 *    confirmed by the estimated similarity (Jaccard, or containment for truncated and wrapped copies).
 * Layers 4 and 5 never merge postings whose requisition ids (within one source) or posting references differ,
 * whose places or work modes (remote or not) differ or whose title levels differ; layer 5 merges only titles that
 * mostly agree.
 * A match whose job has closed makes a new job that records the old one (`repostOf`). A near-duplicate whose
 * similarity lies between `review` and `merge` is kept as its own job and flagged for review.
 */

export type Layer = Duplicate["reason"]
export const layers: ReadonlyArray<Layer> = ["requisition-id", "canonical-url", "url-variant", "title-company-location", "near-duplicate"]

export interface Thresholds {
  /** Similarity at or above which a near-duplicate is merged. */
  readonly merge: number
  /** Similarity at or above which a near-duplicate below `merge` is flagged for review. */
  readonly review: number
  /** Postings further apart than this many days are never compared by layers 4 and 5. */
  readonly windowDays: number
  /** Layers to use (all by default): the evaluation switches them on one by one. */
  readonly layers: ReadonlyArray<Layer>
}

export const defaultThresholds: Thresholds = { merge: 0.8, review: 0.55, windowDays: 60, layers }

/** What the index keeps of each posting: enough to decide, never the text itself. */
export interface Entry {
  readonly jobId: string
  /** The configured source; absent in entries stored before it was kept. */
  readonly source?: string
  readonly clusterId: string
  readonly companyKey: string
  readonly titleKey: string
  readonly levels: string
  readonly locations: ReadonlyArray<string>
  readonly remote: boolean
  /** Identity keys: requisition, canonical URL, posting references, each scoped as `identityKeys` says. */
  readonly keys: ReadonlyArray<string>
  /** Posting references, for `refsConflict`. */
  readonly refs: ReadonlyArray<string>
  readonly requisition: string | null
  /** Days since 1970-01-01 of the posting date (else the fetch date). */
  readonly day: number
  /** Days since 1970-01-01 of the last day it is valid, when known. */
  readonly validUntil: number | null
  readonly closed: boolean
  readonly sketch: Sketch | null
  readonly bands: ReadonlyArray<number>
}

export type Decision =
  | { readonly kind: "known"; readonly entry: Entry }
  | { readonly kind: "duplicate"; readonly of: Entry; readonly reason: Layer; readonly similarity: number }
  | {
      readonly kind: "unique"
      /** A near-duplicate below the merge threshold: a person decides. */
      readonly review: { readonly of: Entry; readonly similarity: number } | null
      /** The job this one reposts after it closed. */
      readonly repostOf: Entry | null
    }

/** The entry a job would get as the first of its cluster; without `sketch`, none is computed (identity layers only). */
export const entryOf = (job: Job, withSketch = true): Entry => {
  const refs = postingRefs(job.url)
  if (job.canonicalUrl !== job.url) for (const r of postingRefs(job.canonicalUrl)) if (!refs.includes(r)) refs.push(r)
  const requisition = job.requisitionId === null ? null : job.requisitionId.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, "")
  const title = titleKey(job.title)
  const s = withSketch ? sketch(job.description) : null
  return {
    jobId: job.jobId,
    source: job.source,
    clusterId: job.jobId,
    companyKey: job.companyKey,
    titleKey: title,
    levels: titleLevels(title),
    locations: locationKeys(job.locations),
    remote: job.remote,
    keys: identityKeys(job.companyKey, job.canonicalUrl, refs, requisition),
    refs,
    requisition: requisition === "" ? null : requisition,
    day: dayOf(job.postedAt ?? job.fetchedAt),
    validUntil: job.validThrough === null ? null : dayOf(job.validThrough),
    closed: false,
    sketch: s,
    bands: s === null ? [] : bandKeys(s.signature, job.companyKey)
  }
}

/**
 * Same place, or both remote and one of them open to anyone anywhere ("Remote", "Anywhere in the World"): a
 * remote job board names where applicants may live, the employer's own page the office the job reports to.
 */
const placesCompatible = (a: Entry, b: Entry, bPlaces: ReadonlyArray<string>): boolean =>
  locationsCompatible(a.locations, bPlaces) ||
  (a.remote && b.remote && (a.locations.includes("remote") || bPlaces.includes("remote")))

/**
 * Two requisition ids of one source that differ name two openings. Across sources they prove nothing: one
 * source's id is the employer's requisition, another's its career site's posting id or an ATS reference number.
 */
const requisitionsConflict = (a: Entry, b: Entry): boolean =>
  a.requisition !== null && b.requisition !== null && a.requisition !== b.requisition && a.source !== undefined && a.source === b.source

/**
 * Identity keys in layer order. ATS references are global (a Greenhouse id names one posting anywhere); loose
 * numeric ids and requisition ids only mean something within one company.
 */
const identityKeys = (
  companyKey: string,
  canonicalUrl: string,
  refs: ReadonlyArray<string>,
  requisition: string | null
): Array<string> => [
  ...(requisition ? [`req:${companyKey}:${requisition}`] : []),
  `url:${canonicalUrl}`,
  ...refs.flatMap((r) => (r.startsWith("site:") ? [] : r.startsWith("num:") ? [`ref:${companyKey}:${r}`] : [`ref:${r}`]))
]

const layerOfKey = (key: string): Layer =>
  key.startsWith("req:") ? "requisition-id" : key.startsWith("url:") ? "canonical-url" : "url-variant"

/** Decides about one posting against the index, then adds it (as a member of the cluster it joined). */
export const decide = (index: InMemoryIndex, job: Job, thresholds: Thresholds = defaultThresholds) =>
  decideEntry(
    index,
    index.entry(job.jobId) ??
      entryOf(job, thresholds.layers.includes("near-duplicate") || thresholds.layers.includes("title-company-location")),
    thresholds
  )

/** `decide` for a posting whose entry was made already (the stage makes them first, to claim their keys). */
export const decideEntry = (
  index: InMemoryIndex,
  fresh: Entry,
  thresholds: Thresholds = defaultThresholds
): { decision: Decision; entry: Entry } => {
  const known = index.entry(fresh.jobId)
  if (known) return { decision: { kind: "known", entry: known }, entry: known }
  const decision = match(index, fresh, thresholds)
  const entry: Entry =
    decision.kind === "duplicate" ? { ...fresh, clusterId: decision.of.clusterId } : fresh
  index.add(entry)
  return { decision, entry }
}

const match = (index: InMemoryIndex, e: Entry, t: Thresholds): Decision => {
  const found = (of: Entry, reason: Layer, similarity: number): Decision =>
    isClosed(of, e.day)
      ? { kind: "unique", review: null, repostOf: of }
      : { kind: "duplicate", of, reason, similarity }

  for (const key of e.keys) {
    const layer = layerOfKey(key)
    if (!t.layers.includes(layer)) continue
    const owner = index.owner(key)
    const of = owner === undefined || owner === e.jobId ? undefined : index.entry(owner)
    if (of === undefined) continue
    if (key.includes(":num:") && refsConflict(e.refs, of.refs)) continue
    return found(of, layer, 1)
  }

  // A copy that names no place stands for the job it copies, and takes that job's place.
  const placeOf = (of: Entry) =>
    of.locations.length > 0 || of.clusterId === of.jobId ? of.locations : (index.entry(of.clusterId)?.locations ?? [])
  const comparable = (of: Entry) =>
    of.jobId !== e.jobId &&
    Math.abs(of.day - e.day) <= t.windowDays &&
    placesCompatible(e, of, placeOf(of)) &&
    of.remote === e.remote &&
    !refsConflict(e.refs, of.refs) &&
    !requisitionsConflict(e, of) &&
    of.levels === e.levels

  if (t.layers.includes("title-company-location")) {
    for (const of of index.sameTitle(e)) {
      if (!comparable(of)) continue
      // Same title and place but a clearly different description: another opening, not a copy.
      const s = e.sketch && of.sketch ? similarity(e.sketch, of.sketch) : 1
      if (s < t.review) continue
      return found(of, "title-company-location", round(s))
    }
  }

  let best: { of: Entry; similarity: number } | null = null
  if (t.layers.includes("near-duplicate") && e.sketch) {
    for (const of of index.sharingABand(e)) {
      if (!of.sketch || !comparable(of)) continue
      const s = similarity(e.sketch, of.sketch)
      if (s >= t.review && (best === null || s > best.similarity)) best = { of, similarity: s }
    }
  }
  if (best === null) return { kind: "unique", review: null, repostOf: null }
  // Templated descriptions are common within a company: titles that differ by a specialisation ("NLP lead",
  // "Image Analytics lead") under one text are different jobs, so such pairs go to review at most.
  const titlesAgree = titleSimilarity(e.titleKey, best.of.titleKey) >= 0.8
  if (best.similarity >= t.merge && titlesAgree) return found(best.of, "near-duplicate", round(best.similarity))
  if (isClosed(best.of, e.day)) return { kind: "unique", review: null, repostOf: best.of }
  return { kind: "unique", review: { of: best.of, similarity: round(best.similarity) }, repostOf: null }
}

/**
 * Jaccard of the shingle sets, or, when the smaller description is long enough to be telling, how much of it the
 * other holds: a copy cut short or wrapped in an agency's own paragraphs keeps the posting's whole text.
 */
const similarity = (a: Sketch, b: Sketch): number => {
  const j = jaccard(a.signature, b.signature)
  return Math.min(a.shingles, b.shingles) >= 60 ? Math.max(j, containment(j, a.shingles, b.shingles)) : j
}

const isClosed = (of: Entry, day: number) => of.closed || (of.validUntil !== null && of.validUntil < day)

const dayOf = (date: string): number => Math.floor(Date.parse(date.slice(0, 10)) / 86_400_000)

const round = (x: number) => Math.round(x * 1000) / 1000

/** Above this many signed postings, a company block keeps LSH band lists instead of being scanned. */
const SCAN_LIMIT = 256

/** One company's postings by title key, its signed postings, and band lists once it is too big to scan. */
interface Block {
  readonly titles: Map<string, Array<Entry>>
  readonly members: Array<Entry>
  bands: Map<number, Array<Entry>> | null
}

/**
 * The index kept wholly in memory: the evaluation, the bench, and the stage's per-batch view. Postings only meet
 * within their company block, so LSH candidates are looked up per block: a small block is scanned (comparing the
 * 16 band keys position by position is cheaper than hashing into a shared table, and keeps no per-band lists);
 * a big one keeps a list per band key. Both give exactly the postings that share a band.
 */
export class InMemoryIndex {
  private readonly entries = new Map<string, Entry>()
  private readonly owners = new Map<string, string>()
  private readonly blocks = new Map<string, Block>()

  entry = (jobId: string) => this.entries.get(jobId)
  owner = (key: string) => this.owners.get(key)
  /** The postings of `e`'s company with its title key, in the order they were added. */
  sameTitle = (e: Entry): ReadonlyArray<Entry> => this.blocks.get(e.companyKey)?.titles.get(e.titleKey) ?? []

  /** The postings of `e`'s company that share at least one LSH band with it, each once. */
  sharingABand = (e: Entry): Array<Entry> => {
    const block = this.blocks.get(e.companyKey)
    if (!block || e.bands.length === 0) return []
    if (block.bands === null) return block.members.filter((of) => sharesBand(e.bands, of.bands))
    const found = new Set<Entry>()
    for (const band of e.bands) for (const of of block.bands.get(band) ?? []) found.add(of)
    return [...found]
  }

  /** Records an owner found elsewhere (PostgreSQL) without its entry being new. */
  claim = (key: string, jobId: string) => {
    if (!this.owners.has(key)) this.owners.set(key, jobId)
  }

  /** Adds an entry and indexes its keys (first owner wins), title and bands. */
  add = (entry: Entry) => {
    if (this.entries.has(entry.jobId)) return
    this.entries.set(entry.jobId, entry)
    for (const key of entry.keys) this.claim(key, entry.jobId)
    const block =
      this.blocks.get(entry.companyKey) ??
      this.blocks.set(entry.companyKey, { titles: new Map(), members: [], bands: null }).get(entry.companyKey)!
    push(block.titles, entry.titleKey, entry)
    if (entry.bands.length === 0) return
    block.members.push(entry)
    if (block.bands !== null) for (const band of entry.bands) push(block.bands, band, entry)
    else if (block.members.length > SCAN_LIMIT) {
      block.bands = new Map()
      for (const member of block.members) for (const band of member.bands) push(block.bands, band, member)
    }
  }
}

const push = <K, V>(map: Map<K, Array<V>>, key: K, value: V) => {
  const list = map.get(key)
  if (list) list.push(value)
  else map.set(key, [value])
}

/** Band keys are per band index, so two postings share a band exactly when some position holds the same key. */
const sharesBand = (a: ReadonlyArray<number>, b: ReadonlyArray<number>) => {
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) return true
  return false
}
