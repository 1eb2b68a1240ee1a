import { Schema } from "effect"
import { describe, expect, it } from "vitest"
import { LexicalSnapshot, makeLexicalIndex, restoreLexicalIndex, stem, tokenize } from "./lexical.js"

describe("tokenize", () => {
  it("lower-cases, drops stopwords, numbers and single letters, and stems lightly", () => {
    expect(tokenize("The Engineers are engineering 5 new Data Models in R")).toEqual(["engineer", "engineer", "new", "data", "model"])
    expect(tokenize("C++ and C# developers")).toEqual(["c++", "c#", "developer"])
  })

  it("maps a word's common forms to one key", () => {
    for (const group of [
      ["model", "models", "modeling", "modelling", "modeled"],
      ["pipeline", "pipelines"],
      ["query", "queries"],
      ["process", "processes"],
      ["scale", "scaling", "scaled"],
      ["skill", "skills"]
    ]) {
      expect(new Set(group.map(stem)).size, group.join(" ")).toBe(1)
    }
    expect(stem("analysis")).toBe("analysis")
    expect(stem("aws")).toBe("aws")
  })
})

describe("BM25", () => {
  const corpus = () => {
    const index = makeLexicalIndex()
    index.add("spark", "Data engineer: Spark, Spark streaming and Kafka pipelines")
    index.add("analyst", "Data analyst: SQL reports and dashboards for the sales team")
    index.add("nurse", "Registered nurse for the night shift")
    return index
  }

  it("matches the formula (k1 1.2, b 0.75, Lucene idf)", () => {
    const index = corpus()
    // "spark" appears twice in a 7-token document; the three documents have 7, 7 and 4 tokens.
    const n = 3
    const df = 1
    const idf = Math.log(1 + (n - df + 0.5) / (df + 0.5))
    const avg = (7 + 7 + 4) / 3
    const expected = (idf * 2 * 2.2) / (2 + 1.2 * (1 - 0.75 + (0.75 * 7) / avg))
    expect(tokenize("Data engineer: Spark, Spark streaming and Kafka pipelines")).toHaveLength(7)
    expect(index.averageLength).toBeCloseTo(avg, 10)
    expect(index.score(["spark"], "spark")).toBeCloseTo(expected, 10)
  })

  it("orders documents sensibly", () => {
    const index = corpus()
    const hits = index.search("spark kafka engineer")
    expect(hits.map((h) => h.docId)).toEqual(["spark"])
    expect(index.search("data").map((h) => h.docId).sort()).toEqual(["analyst", "spark"])
    // A rare term weighs more than a common one.
    expect(index.idf("kafka")).toBeGreaterThan(index.idf("data"))
    expect(index.score(["kafka"], "spark")).toBeGreaterThan(index.score(["data"], "spark"))
    // More occurrences score higher, with diminishing returns.
    index.add("a", "spark jobs")
    index.add("b", "spark spark jobs")
    index.add("c", "spark spark spark spark jobs")
    const [a, b, c] = ["a", "b", "c"].map((id) => index.score(["spark"], id)) as [number, number, number]
    expect(b).toBeGreaterThan(a)
    expect(c).toBeGreaterThan(b)
    expect(c - b).toBeLessThan(b - a)
    // A query term counts once however often the query repeats it.
    expect(index.score(["spark", "spark"], "a")).toBe(a)
    // The same count in a longer document scores lower.
    index.add("long", "spark jobs for teams across many different business units worldwide")
    expect(index.score(["spark"], "long")).toBeLessThan(index.score(["spark"], "a"))
    expect(index.score(["unknown"], "a")).toBe(0)
  })

  it("keeps document frequencies and the average length as documents come and go", () => {
    const index = corpus()
    expect(index.size).toBe(3)
    expect(index.documentFrequency("data")).toBe(2)
    const nurse = tokenize("nurse")[0]!
    index.add("analyst", "Registered nurse")
    expect(index.size).toBe(3)
    expect(index.documentFrequency("data")).toBe(1)
    expect(index.documentFrequency(nurse)).toBe(2)
    expect(index.remove("nurse")).toBe(true)
    expect(index.remove("nurse")).toBe(false)
    expect(index.documentFrequency(nurse)).toBe(1)
    expect(index.averageLength).toBeCloseTo((7 + 2) / 2, 10)
    expect(index.search("shift")).toEqual([])
  })

  it("normalizes scores to 0..1", () => {
    const index = corpus()
    const self = tokenize("Data engineer: Spark, Spark streaming and Kafka pipelines")
    expect(index.normalizedScore(self, "spark")).toBeCloseTo(1, 10)
    const partial = index.normalizedScore(tokenize("Kafka engineer"), "spark")
    expect(partial).toBeGreaterThan(0)
    expect(partial).toBeLessThan(1)
    const weights = index.termWeights("spark")!
    expect(weights.total).toBeCloseTo(index.score(self, "spark"), 10)
    for (const hit of index.search("spark kafka")) {
      expect(hit.normalized).toBeGreaterThan(0)
      expect(hit.normalized).toBeLessThanOrEqual(1)
    }
  })

  it("survives a snapshot as JSON", () => {
    const index = corpus()
    for (let i = 0; i < 1_500; i++) {
      index.add(`tmp${i}`, `temporary posting ${i} about spark`)
      index.remove(`tmp${i}`)
    }
    const json = JSON.stringify(index.snapshot())
    const restored = restoreLexicalIndex(Schema.decodeUnknownSync(Schema.parseJson(LexicalSnapshot))(json))
    expect(restored.size).toBe(3)
    for (const id of ["spark", "analyst", "nurse"]) {
      expect(restored.score(tokenize("spark data nurse"), id)).toBeCloseTo(index.score(tokenize("spark data nurse"), id), 12)
    }
    expect(restored.search("data")).toEqual(index.search("data"))
  })
})
