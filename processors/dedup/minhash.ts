/**
 * MinHash signatures of a description's word shingles, and the LSH band keys that make near-identical
 * descriptions meet without comparing every pair. Pure and allocation-light: the deduplicator and the 1M-posting
 * bench run this for every posting.
 *
 * One-permutation hashing: each shingle is hashed once and lands in one of K bins by its top bits, the bin
 * keeping its smallest value; empty bins borrow from the next non-empty bin with an offset (rotation
 * densification), so the signature costs O(shingles + K) instead of O(shingles * K). Two signatures agree in a
 * bin with probability close to the Jaccard similarity of the shingle sets.
 */

/** Bins in a signature. */
export const K = 64
/** LSH bands of ROWS bins each: descriptions with Jaccard 0.5 share a band with p 0.64, 0.7 -> 0.99, 0.3 -> 0.12. */
export const BANDS = 16
export const ROWS = K / BANDS
/** Words per shingle. */
export const SHINGLE = 3
/**
 * Only this much of a description is sketched: ~300 words, plenty for 64 bins, and copies keep the start
 * (truncated copies keep it whole, agencies add a line or two before it). Bounds the work per posting, which
 * otherwise grows with the longest descriptions (up to 100k characters).
 */
export const SKETCHED_CHARACTERS = 2000
/** Below this many shingles a signature is too noisy to trust; such postings skip the MinHash layer. */
export const MIN_SHINGLES = 20

const BIN_SHIFT = 32 - Math.log2(K)
const VALUE_MASK = (1 << BIN_SHIFT) - 1
const EMPTY = 0x7fffffff
const FNV_OFFSET = 0x811c9dc5 | 0
/** Where a signature is built; copied out, so sketches never share it. */
const scratch = new Int32Array(K)

export interface Sketch {
  /** K small integers: a plain array, which V8 keeps inline in the heap (a typed array would own a buffer). */
  readonly signature: ReadonlyArray<number>
  /** Shingles in the text (repeats counted: rare in postings, and counting them costs nothing): the set size for containment. */
  readonly shingles: number
}

/**
 * The sketch of a text, or null when it has fewer than MIN_SHINGLES shingles. Words are lower-cased runs of
 * letters and digits, so markup residue, punctuation and spacing do not change it. One pass over the text: each
 * word's hash is finished at its end and joined with the two before it into a shingle, with no array of words.
 */
export const sketch = (text: string): Sketch | null => {
  const signature = scratch.fill(EMPTY)
  let count = 0
  let words = 0
  let w1 = 0
  let w2 = 0
  let h = FNV_OFFSET
  let inWord = false
  const end = Math.min(text.length, SKETCHED_CHARACTERS)
  for (let i = 0; i <= end; i++) {
    let c = i < end ? text.charCodeAt(i) : 32
    let letter: boolean
    if (c < 128) {
      if (c >= 65 && c <= 90) c += 32
      letter = (c >= 97 && c <= 122) || (c >= 48 && c <= 57)
    } else {
      const ch = text[i]!
      letter = /[\p{L}\p{N}]/u.test(ch)
      if (letter) c = ch.toLowerCase().charCodeAt(0)
    }
    if (letter) {
      h = Math.imul(h ^ c, 0x01000193)
      inWord = true
      continue
    }
    if (!inWord) continue
    if (++words >= SHINGLE) {
      const shingle = fmix(Math.imul(w1, 0x9e3779b1) ^ Math.imul(w2, 0x85ebca77) ^ Math.imul(h, 0xc2b2ae3d))
      const bin = shingle >>> BIN_SHIFT
      const value = shingle & VALUE_MASK
      if (value < signature[bin]!) signature[bin] = value
      count++
    }
    w1 = w2
    w2 = h
    h = FNV_OFFSET
    inWord = false
  }
  if (count < MIN_SHINGLES) return null
  densify(signature)
  const copy = new Array<number>(K)
  for (let i = 0; i < K; i++) copy[i] = signature[i]!
  return { signature: copy, shingles: count }
}

/** The share of bins two signatures agree in: the estimated Jaccard similarity of their shingle sets. */
export const jaccard = (a: ReadonlyArray<number>, b: ReadonlyArray<number>): number => {
  let same = 0
  for (let i = 0; i < K; i++) if (a[i] === b[i]) same++
  return same / K
}

/**
 * How much of the smaller set the larger one holds, from the Jaccard estimate and the set sizes: close to 1 for a
 * truncated copy or one wrapped in an agency's header and footer, where Jaccard alone is low.
 */
export const containment = (j: number, sizeA: number, sizeB: number): number => {
  const intersection = (j * (sizeA + sizeB)) / (1 + j)
  return Math.min(1, intersection / Math.min(sizeA, sizeB))
}

/**
 * One key per band: a 53-bit integer from the block (the company key), the band's index and its bins, so
 * postings of different companies never share a key and a key fits a PostgreSQL bigint and a JS number exactly.
 */
export const bandKeys = (signature: ReadonlyArray<number>, block: string): Array<number> => {
  const blockHash = stringHash(block)
  const keys: Array<number> = []
  for (let band = 0; band < BANDS; band++) {
    let h1 = fmix(blockHash ^ Math.imul(band + 1, 0x27d4eb2d))
    let h2 = fmix(Math.imul(blockHash, 0x165667b1) + band)
    for (let r = 0; r < ROWS; r++) {
      const v = signature[band * ROWS + r]!
      h1 = fmix(Math.imul(h1 ^ v, 0xcc9e2d51) + 0xe6546b64)
      h2 = fmix(Math.imul(h2 + v, 0x1b873593) ^ 0x85ebca6b)
    }
    keys.push((h1 >>> 11) * 0x100000000 + (h2 >>> 0))
  }
  return keys
}

/** 32-bit hash of a string (FNV-1a, then mixed). */
export const stringHash = (s: string): number => {
  let h = FNV_OFFSET
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193)
  return fmix(h)
}

/** Empty bins take the next non-empty bin's value plus an offset per step, so equal sets still agree there. */
const densify = (signature: Int32Array) => {
  for (let i = 0; i < K; i++) {
    if (signature[i] !== EMPTY) continue
    for (let step = 1; step < K; step++) {
      const v = signature[(i + step) % K]!
      if (v !== EMPTY && v < VALUE_MASK + 1) {
        signature[i] = (v + step * 0x9e3779) & VALUE_MASK
        break
      }
    }
  }
}

/** Murmur3's finalizer: spreads every input bit over the output. */
const fmix = (x: number): number => {
  let h = x | 0
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h | 0
}
