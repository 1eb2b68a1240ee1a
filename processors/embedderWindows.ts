/** How the embedder feeds the model: a text's token ids cut into windows, and windows grouped into batches. */

/**
 * Indexes of sequences of the given lengths grouped for the model: longest first, so each group pads little, and
 * each at most `size` sequences and `tokens` padded tokens (one sequence at least).
 */
export const batches = (lengths: ReadonlyArray<number>, size: number, tokens: number): Array<Array<number>> => {
  const order = lengths.map((_, i) => i).sort((a, b) => lengths[b]! - lengths[a]!)
  const out: Array<Array<number>> = []
  for (const i of order) {
    const current = out.at(-1)
    // The first sequence of a group is its longest, so it sets the padded width.
    if (current && current.length < size && (current.length + 1) * lengths[current[0]!]! <= tokens) current.push(i)
    else out.push([i])
  }
  return out
}

/** `ids` cut into windows of at most `size` tokens, consecutive ones sharing `overlap`; one window at least. */
export const windows = (ids: ReadonlyArray<number>, size: number, overlap: number): Array<ReadonlyArray<number>> => {
  const out: Array<ReadonlyArray<number>> = []
  for (let start = 0; ; start += size - overlap) {
    const end = Math.min(start + size, ids.length)
    out.push(ids.slice(start, end))
    if (end >= ids.length) return out
  }
}
