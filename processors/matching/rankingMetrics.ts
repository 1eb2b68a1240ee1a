// Ranking quality measures, tie-aware: a method that gives equal scores gets the average over the orders of the
// tied items, so that a constant score is worth exactly chance.

/** ROC-AUC: the probability that a relevant item scores above an irrelevant one, ties counting half. */
export const rocAuc = (scores: ReadonlyArray<number>, relevant: ReadonlyArray<boolean>): number => {
  const order = scores.map((_, i) => i).sort((a, b) => scores[a]! - scores[b]!)
  const ranks = new Array<number>(scores.length)
  for (let i = 0; i < order.length; ) {
    let j = i
    while (j + 1 < order.length && scores[order[j + 1]!] === scores[order[i]!]) j++
    for (let k = i; k <= j; k++) ranks[order[k]!] = (i + j) / 2 + 1
    i = j + 1
  }
  let positives = 0
  let rankSum = 0
  relevant.forEach((r, i) => {
    if (r) {
      positives += 1
      rankSum += ranks[i]!
    }
  })
  const negatives = scores.length - positives
  if (positives === 0 || negatives === 0) return Number.NaN
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives)
}

/** NDCG@k with gains 2^grade - 1; tied scores share the mean discount of the positions they occupy. */
export const ndcgAt = (k: number, scores: ReadonlyArray<number>, grades: ReadonlyArray<number>): number => {
  const discount = (position: number) => (position < k ? 1 / Math.log2(position + 2) : 0)
  const order = scores.map((_, i) => i).sort((a, b) => scores[b]! - scores[a]!)
  let dcg = 0
  for (let i = 0; i < order.length; ) {
    let j = i
    while (j + 1 < order.length && scores[order[j + 1]!] === scores[order[i]!]) j++
    let mean = 0
    for (let p = i; p <= j; p++) mean += discount(p)
    mean /= j - i + 1
    for (let p = i; p <= j; p++) dcg += (2 ** grades[order[p]!]! - 1) * mean
    i = j + 1
  }
  const ideal = [...grades].sort((a, b) => b - a).reduce((sum, g, p) => sum + (2 ** g - 1) * discount(p), 0)
  return ideal === 0 ? Number.NaN : dcg / ideal
}
