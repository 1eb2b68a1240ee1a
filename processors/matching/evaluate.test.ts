import { statSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { tfidfVectors } from "./evalPairs.js"
import { labelsPath, loadLabels } from "./labels.js"
import { ndcgAt, rocAuc } from "./rankingMetrics.js"
import { resolveSkill } from "./skills.js"

describe("the labelled set", () => {
  const labels = loadLabels()

  it("is small, decodes, and grades every resume against every posting", () => {
    expect(statSync(labelsPath).size).toBeLessThan(400_000)
    expect(labels.resumes.length).toBeGreaterThanOrEqual(8)
    expect(labels.postings.length).toBeGreaterThanOrEqual(60)
    expect(new Set(labels.postings.map((p) => p.id)).size).toBe(labels.postings.length)
    for (const r of labels.resumes) {
      expect(Object.keys(labels.grades[r.id]!).sort()).toEqual(labels.postings.map((p) => p.id).sort())
      // Every resume has something to find and something to avoid.
      const grades = Object.values(labels.grades[r.id]!)
      expect(grades.filter((g) => g >= 2).length, r.id).toBeGreaterThanOrEqual(4)
      expect(grades.filter((g) => g === 0).length, r.id).toBeGreaterThanOrEqual(20)
    }
  })

  it("uses only skills the vocabulary knows in its preferences", () => {
    for (const r of labels.resumes) {
      for (const skill of [...(r.preferences.mustHaveSkills ?? []), ...(r.preferences.excludedSkills ?? [])]) {
        expect(resolveSkill(skill), `${r.id}: ${skill}`).toBeDefined()
      }
    }
  })
})

describe("metrics", () => {
  it("computes ROC-AUC with ties counted half", () => {
    expect(rocAuc([3, 2, 1, 0], [true, true, false, false])).toBe(1)
    expect(rocAuc([0, 1, 2, 3], [true, true, false, false])).toBe(0)
    expect(rocAuc([1, 1, 1, 1], [true, false, true, false])).toBe(0.5)
    expect(rocAuc([2, 1, 1, 0], [true, true, false, false])).toBe(0.875)
  })

  it("computes NDCG@k with graded gains and tie-aware discounts", () => {
    expect(ndcgAt(10, [3, 2, 1], [3, 2, 0])).toBe(1)
    const worst = ndcgAt(10, [1, 2, 3], [3, 2, 0])
    const ideal = 7 / Math.log2(2) + 3 / Math.log2(3)
    expect(worst).toBeCloseTo((7 / Math.log2(4) + 3 / Math.log2(3)) / ideal, 12)
    // Two tied items share the mean of their two discounts, whatever order a sort leaves them in.
    expect(ndcgAt(10, [1, 1], [3, 0])).toBeCloseTo((7 * (1 + 1 / Math.log2(3))) / 2 / 7, 12)
    // Beyond k nothing counts.
    expect(ndcgAt(1, [1, 2], [3, 0])).toBe(0)
  })

  it("builds TF-IDF vectors of unit length", () => {
    const vectorize = tfidfVectors([["spark", "kafka"], ["sql", "report"], ["spark", "sql"]])
    const v = vectorize(["spark", "spark", "kafka"])
    expect(Math.hypot(...v.values())).toBeCloseTo(1, 12)
    expect(v.get("kafka")! > 0 && v.get("spark")! > 0).toBe(true)
  })
})
