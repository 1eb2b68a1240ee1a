import { Schema } from "effect"

/**
 * BM25 over the jobs seen: an incremental index in memory, pure (no I/O). The caller feeds it (`add` each job as
 * it arrives, or every stored job at start) and asks for scores.
 *
 * Guarantees:
 * - BM25 with Lucene's non-negative idf, `ln(1 + (N - df + 0.5) / (df + 0.5))`, k1 = 1.2 and b = 0.75 unless
 *   configured; document frequencies and the average length follow every `add` and `remove`;
 * - the same `tokenize` serves documents, queries and resumes: lower case, English stopwords dropped, numbers
 *   and one-letter tokens dropped, a light suffix stemmer ("engineering", "engineers" -> "engineer");
 * - query terms count once each (a resume that says "Python" ten times is not ten times more about Python);
 * - `snapshot` is plain JSON and `restoreLexicalIndex(snapshot)` gives an index that scores identically.
 */

export const DEFAULT_K1 = 1.2
export const DEFAULT_B = 0.75

export interface LexicalOptions {
  readonly k1: number
  readonly b: number
}

/** A posting's terms with the BM25 weight each adds to a query that contains it. */
export interface JobTerms {
  readonly docId: string
  readonly terms: ReadonlyArray<string>
  readonly weights: Float64Array
  /** The sum of `weights`: the score of a query that contains every term of the posting. */
  readonly total: number
}

export interface SearchHit {
  readonly docId: string
  readonly score: number
  /** `score` over the best score any document could reach for this query (every term, very often): 0..1. */
  readonly normalized: number
}

export interface LexicalIndex {
  readonly k1: number
  readonly b: number
  /** Documents in the index. */
  readonly size: number
  /** Mean document length in tokens (after stopwords). */
  readonly averageLength: number
  /** Adds (or replaces) a document by its text. */
  readonly add: (docId: string, text: string) => void
  /** Adds (or replaces) a document by its tokens (`tokenize` output). */
  readonly addTokens: (docId: string, tokens: ReadonlyArray<string>) => void
  readonly remove: (docId: string) => boolean
  readonly has: (docId: string) => boolean
  /** How many documents contain `term` (a token, as `tokenize` gives it). */
  readonly documentFrequency: (term: string) => number
  readonly idf: (term: string) => number
  /** BM25 of the distinct `queryTokens` against one document; 0 when it is not in the index. */
  readonly score: (queryTokens: ReadonlyArray<string>, docId: string) => number
  /**
   * `score` over the document's own total (`termWeights(docId).total`): the share of the posting's BM25 weight
   * that the query covers, 0..1. This is the variant the hybrid score uses with a resume as the query.
   */
  readonly normalizedScore: (queryTokens: ReadonlyArray<string>, docId: string) => number
  /** The document's terms and weights, for scoring it against many queries at once; `null` when absent. */
  readonly termWeights: (docId: string) => JobTerms | null
  /** The `k` best documents for a free-text query (`GET /jobs/search?q=`), best first, ties by id. */
  readonly search: (query: string, k?: number) => Array<SearchHit>
  readonly snapshot: () => LexicalSnapshot
}

export const LexicalSnapshot = Schema.Struct({
  version: Schema.Literal(1),
  k1: Schema.Number,
  b: Schema.Number,
  /** Each document as its distinct terms and their counts. */
  documents: Schema.Array(
    Schema.Struct({ id: Schema.String, terms: Schema.Array(Schema.Tuple(Schema.String, Schema.Number)) })
  )
}).annotations({ identifier: "LexicalSnapshot", description: "The state of a BM25 index over jobs" })
export type LexicalSnapshot = typeof LexicalSnapshot.Type

interface Doc {
  readonly id: string
  /** Sorted term ids. */
  readonly terms: Int32Array
  readonly counts: Float64Array
  readonly length: number
}

export const makeLexicalIndex = (options: Partial<LexicalOptions> = {}): LexicalIndex => build(options).index

/** An index with the documents of `snapshot` (decode untrusted JSON with the `LexicalSnapshot` schema first). */
export const restoreLexicalIndex = (snapshot: LexicalSnapshot): LexicalIndex => {
  // Restoring goes through the same path as adding, so df and lengths are rebuilt rather than trusted.
  const { index, addCounts } = build({ k1: snapshot.k1, b: snapshot.b })
  for (const doc of snapshot.documents) addCounts(doc.id, new Map(doc.terms))
  return index
}

const build = (options: Partial<LexicalOptions>) => {
  const k1 = options.k1 ?? DEFAULT_K1
  const b = options.b ?? DEFAULT_B
  if (!(k1 >= 0) || !(b >= 0 && b <= 1)) throw new RangeError(`BM25 needs k1 >= 0 and 0 <= b <= 1, got ${k1}, ${b}`)

  const vocabulary = new Map<string, number>()
  const termText: Array<string> = []
  const df: Array<number> = []
  /** Slots of the documents containing each term; a removed document's slot stays until the next compaction. */
  let postings: Array<Array<number>> = []
  let slots: Array<Doc | null> = []
  const slotOf = new Map<string, number>()
  let totalLength = 0
  let deadSlots = 0

  const termId = (term: string): number => {
    let id = vocabulary.get(term)
    if (id === undefined) {
      id = termText.length
      vocabulary.set(term, id)
      termText.push(term)
      df.push(0)
      postings.push([])
    }
    return id
  }

  const idfOf = (id: number): number => {
    const n = slotOf.size
    const d = df[id] ?? 0
    return Math.log(1 + (n - d + 0.5) / (d + 0.5))
  }
  const averageLength = () => (slotOf.size === 0 ? 0 : totalLength / slotOf.size)

  /** The weight a term with count `tf` adds in a document of `length` tokens. */
  const weight = (id: number, tf: number, length: number, avg: number): number =>
    (idfOf(id) * tf * (k1 + 1)) / (tf + k1 * (1 - b + (b * length) / (avg || 1)))

  const compact = () => {
    const live = slots.filter((d): d is Doc => d !== null)
    slots = live
    slotOf.clear()
    postings = termText.map(() => [])
    live.forEach((doc, slot) => {
      slotOf.set(doc.id, slot)
      for (const t of doc.terms) postings[t]!.push(slot)
    })
    deadSlots = 0
  }

  const remove = (docId: string): boolean => {
    const slot = slotOf.get(docId)
    if (slot === undefined) return false
    const doc = slots[slot]!
    for (const t of doc.terms) df[t]! -= 1
    totalLength -= doc.length
    slots[slot] = null
    slotOf.delete(docId)
    deadSlots += 1
    if (deadSlots > 1_000 && deadSlots > slotOf.size) compact()
    return true
  }

  const addCounts = (docId: string, counts: ReadonlyMap<string, number>) => {
    remove(docId)
    const ids = [...counts.keys()].map(termId)
    const order = ids.map((_, i) => i).sort((x, y) => ids[x]! - ids[y]!)
    const terms = Int32Array.from(order, (i) => ids[i]!)
    const values = [...counts.values()]
    const tfs = Float64Array.from(order, (i) => values[i]!)
    let length = 0
    for (const tf of tfs) length += tf
    const slot = slots.length
    slots.push({ id: docId, terms, counts: tfs, length })
    slotOf.set(docId, slot)
    for (const t of terms) {
      df[t]! += 1
      postings[t]!.push(slot)
    }
    totalLength += length
  }

  const addTokens = (docId: string, tokens: ReadonlyArray<string>) => {
    const counts = new Map<string, number>()
    for (const token of tokens) counts.set(token, (counts.get(token) ?? 0) + 1)
    addCounts(docId, counts)
  }

  /** The distinct known term ids of a query. */
  const queryIds = (queryTokens: ReadonlyArray<string>): Array<number> => {
    const ids = new Set<number>()
    for (const token of queryTokens) {
      const id = vocabulary.get(token)
      if (id !== undefined && df[id]! > 0) ids.add(id)
    }
    return [...ids]
  }

  const docOf = (docId: string): Doc | null => {
    const slot = slotOf.get(docId)
    return slot === undefined ? null : slots[slot]!
  }

  const score = (queryTokens: ReadonlyArray<string>, docId: string): number => {
    const doc = docOf(docId)
    if (doc === null) return 0
    const avg = averageLength()
    let sum = 0
    for (const id of queryIds(queryTokens)) {
      const at = binarySearch(doc.terms, id)
      if (at >= 0) sum += weight(id, doc.counts[at]!, doc.length, avg)
    }
    return sum
  }

  const termWeights = (docId: string): JobTerms | null => {
    const doc = docOf(docId)
    if (doc === null) return null
    const avg = averageLength()
    const weights = new Float64Array(doc.terms.length)
    let total = 0
    doc.terms.forEach((id, i) => {
      weights[i] = weight(id, doc.counts[i]!, doc.length, avg)
      total += weights[i]!
    })
    return { docId, terms: Array.from(doc.terms, (id) => termText[id]!), weights, total }
  }

  const search = (query: string, k = 10): Array<SearchHit> => {
    const ids = queryIds(tokenize(query))
    if (ids.length === 0 || k <= 0) return []
    const avg = averageLength()
    const scores = new Map<number, number>()
    let best = 0
    for (const id of ids) {
      best += idfOf(id) * (k1 + 1)
      for (const slot of postings[id]!) {
        const doc = slots[slot]
        if (doc === null || doc === undefined) continue
        const at = binarySearch(doc.terms, id)
        scores.set(slot, (scores.get(slot) ?? 0) + weight(id, doc.counts[at]!, doc.length, avg))
      }
    }
    return [...scores]
      .map(([slot, s]) => ({ docId: slots[slot]!.id, score: s, normalized: best > 0 ? s / best : 0 }))
      .sort((x, y) => y.score - x.score || (x.docId < y.docId ? -1 : x.docId > y.docId ? 1 : 0))
      .slice(0, k)
  }

  const snapshot = (): LexicalSnapshot => ({
    version: 1,
    k1,
    b,
    documents: slots
      .filter((d): d is Doc => d !== null)
      .map((doc) => ({ id: doc.id, terms: Array.from(doc.terms, (id, i) => [termText[id]!, doc.counts[i]!] as const) }))
  })

  const index: LexicalIndex = {
    k1,
    b,
    get size() {
      return slotOf.size
    },
    get averageLength() {
      return averageLength()
    },
    add: (docId, text) => addTokens(docId, tokenize(text)),
    addTokens,
    remove,
    has: (docId) => slotOf.has(docId),
    documentFrequency: (term) => {
      const id = vocabulary.get(term)
      return id === undefined ? 0 : df[id]!
    },
    idf: (term) => {
      const id = vocabulary.get(term)
      return id === undefined ? Math.log(1 + (slotOf.size + 0.5) / 0.5) : idfOf(id)
    },
    score,
    normalizedScore: (queryTokens, docId) => {
      const weights = termWeights(docId)
      return weights === null || weights.total <= 0 ? 0 : Math.min(1, score(queryTokens, docId) / weights.total)
    },
    termWeights,
    search,
    snapshot
  }
  return { index, addCounts }
}

// ---------------------------------------------------------------------------------------------------------------
// Tokens

const STOPWORDS = new Set(
  (
    "a about above after again against all also am an and any are aren as at be because been before being below " +
    "between both but by can cannot could couldn did didn do does doesn doing don down during each etc few for from " +
    "further had hadn has hasn have haven having he her here hers herself him himself his how i if in into is isn " +
    "it its itself just let ll may me might more most must mustn my myself no nor not now of off on once only or " +
    "other ought our ours ourselves out over own per re same shall shan she should shouldn so some such than that " +
    "the their theirs them themselves then there these they this those through to too under until up upon us ve " +
    "very via was wasn we well were weren what when where which while who whom why will with within without won " +
    "would wouldn you your yours yourself yourselves"
  ).split(" ")
)

const WORD = /[\p{L}\p{N}]+(?:\+\+|#)?/gu

/** Lower-case, stopword-free, lightly stemmed tokens of `text`, in order. */
export const tokenize = (text: string): Array<string> => {
  const out: Array<string> = []
  if (typeof text !== "string") return out
  for (const m of text.toLowerCase().matchAll(WORD)) {
    const word = m[0]
    if (word.length < 2 && !word.endsWith("+") && !word.endsWith("#")) continue
    if (/^\p{N}+$/u.test(word) || STOPWORDS.has(word)) continue
    out.push(stem(word))
  }
  return out
}

/**
 * A light English stemmer: plurals, "-ing", "-ed", a final "e" and a doubled final consonant. It only has to
 * map a word's common forms to one key ("modeling", "modelling", "models" -> "model"), not to a real root.
 */
export const stem = (word: string): string => {
  let w = word
  if (w.length <= 3 || /[\d+#]/.test(w)) return w
  if (w.endsWith("ies") && w.length > 4) w = `${w.slice(0, -3)}y`
  else if (w.endsWith("sses")) w = w.slice(0, -2)
  else if (/(?:sh|ch|x|z)es$/.test(w)) w = w.slice(0, -2)
  else if (w.endsWith("s") && !/(?:ss|us|is)$/.test(w)) w = w.slice(0, -1)
  if (w.length > 5 && w.endsWith("ing")) w = w.slice(0, -3)
  else if (w.length > 4 && w.endsWith("ed") && !w.endsWith("eed")) w = w.slice(0, -2)
  if (w.length > 3 && w.endsWith("e")) w = w.slice(0, -1)
  const last = w.charAt(w.length - 1)
  if (w.length > 3 && last === w.charAt(w.length - 2) && !"aeiou".includes(last)) w = w.slice(0, -1)
  return w
}

const binarySearch = (sorted: Int32Array, value: number): number => {
  let lo = 0
  let hi = sorted.length - 1
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1
    const v = sorted[mid]!
    if (v === value) return mid
    if (v < value) lo = mid + 1
    else hi = mid - 1
  }
  return -1
}
