import { describe, expect, it } from "vitest"
import { mulberry32 } from "../dedup/labelled.js"
import {
  describeLearned,
  emptyModel,
  fitCalibration,
  jobModelFeatures,
  type Label,
  learnedFor,
  logit,
  modelFeatures,
  priorOf,
  probability,
  train
} from "./feedbackModel.js"
import { textFeatures } from "./features.js"
import { buildLearnedIndex, learnedLogits } from "./learnedIndex.js"
import { calibrated, GLOBAL_CALIBRATION } from "./weights.js"

const calibration = { slope: 0.1, middle: 70 }

/** A job's features: a stack skill, a required skill, a title word. */
const job = (id: string, features: ReadonlyArray<string>, score: number, relevant: 0 | 1): Label => ({
  jobId: id,
  features,
  score,
  relevant,
  weight: 1
})

describe("a seeker's own model", () => {
  it("is the global calibration exactly with no labels", () => {
    const model = train([], calibration)
    expect(model).toEqual(emptyModel)
    for (const score of [0, 55, 70, 92, 100])
      expect(probability(model, calibration, ["must:c++", "title:engineer"], score)).toBeCloseTo(1 / (1 + Math.exp(-priorOf(calibration, score))), 12)
  })

  it("learns a trait the seeker keeps turning down, and drops unseen jobs that share it, not the others", () => {
    const labels = [
      job("a", ["must:c++", "title:engineer", "skill:linux"], 80, 0),
      job("b", ["must:c++", "title:developer", "skill:git"], 78, 0),
      job("c", ["must:c++", "title:engineer"], 82, 0),
      job("d", ["must:c++", "skill:linux"], 75, 0),
      job("e", ["must:python", "title:engineer"], 79, 1),
      job("f", ["must:python", "skill:git"], 77, 1)
    ]
    const model = train(labels, calibration)
    const cpp = probability(model, calibration, ["must:c++", "title:engineer"], 80)
    const python = probability(model, calibration, ["must:python", "title:engineer"], 80)
    const prior = probability(emptyModel, calibration, ["must:c++", "title:engineer"], 80)
    expect(cpp).toBeLessThan(prior - 0.2)
    expect(python).toBeGreaterThan(cpp + 0.3)
    const [strongest] = learnedFor(model, labels, ["must:c++", "title:engineer"])
    expect(strongest).toMatchObject({ feature: "must:c++", rejected: 4, approved: 0 })
    expect(describeLearned(strongest!)).toBe("you turned down 4 jobs that require c++")
  })

  it("moves little on one decision and more as decisions agree: evidence, not a single click, takes over", () => {
    const rejected = (n: number) => Array.from({ length: n }, (_, i) => job(`r${i}`, ["must:java"], 85, 0))
    const at = (n: number) => probability(train(rejected(n), calibration), calibration, ["must:java"], 85)
    const prior = probability(emptyModel, calibration, ["must:java"], 85)
    expect(prior - at(1)).toBeGreaterThan(0)
    expect(prior - at(1)).toBeLessThan(0.35)
    expect(at(8)).toBeLessThan(at(2))
    expect(at(8)).toBeLessThan(0.5)
  })

  it("publishes the seeker's own probability: the global log-odds of the hybrid plus what their model learned", () => {
    const job = textFeatures({ title: "Backend Engineer", description: "Requirements:\n- 5+ years of modern C++\n- Linux" })
    const components = [0.7, 0.4, Number.NaN, 0.6, 0.5, 0]
    const features = modelFeatures(job, components)
    expect(features).toEqual(expect.arrayContaining(["must:cpp", "skill:linux", "title:backend", "high:semantic", "low:skills", "high:seniority", "low:required"]))
    expect(features.some((f) => f.endsWith(":lexical"))).toBe(false)
    const labels = [0, 1, 2].map((i) => ({ jobId: `r${i}`, features, score: 70, relevant: 0, weight: 1 }))
    const model = train(labels, calibration)
    // The scorer's pass over every seeker at once gives each the log-odds their model gives the pair.
    const index = buildLearnedIndex([null, model, emptyModel])
    const batchComponents = Float32Array.from([...components, ...components, ...components])
    const z = learnedLogits(index, jobModelFeatures(job), batchComponents)
    expect(z[0]).toBe(0)
    expect(z[2]).toBe(0)
    expect(z[1]).toBeCloseTo(logit(model, calibration, features, 75) - priorOf(calibration, 75), 10)
    expect(z[1]).toBeLessThan(0)
    // The published score is the seeker's own probability: the global calibration's log-odds plus theirs.
    const own = probability(model, GLOBAL_CALIBRATION, features, 75)
    expect(calibrated(75, z[1]!) / 100).toBeCloseTo(own, 10)
    expect(calibrated(75, z[1]!)).toBeLessThan(calibrated(75))
  })

  it("gives the same model whatever order the labels came in", () => {
    const labels = [job("a", ["x", "y"], 60, 1), job("b", ["y"], 70, 0), job("c", ["x", "z"], 90, 0), job("d", ["z"], 50, 1)]
    expect(train([...labels].reverse(), calibration)).toEqual(train(labels, calibration))
  })

  it("trains on a thousand labels of sixty features in milliseconds", () => {
    const random = mulberry32(3)
    const labels = Array.from({ length: 1000 }, (_, i) =>
      job(String(i), Array.from({ length: 60 }, () => `f${Math.floor(random() * 2000)}`), 50 + random() * 50, random() < 0.3 ? 1 : 0)
    )
    const model = train(labels, calibration)
    expect(model.labels).toBe(1000)
    expect(Object.keys(model.weights).length).toBeGreaterThan(100)
  })
})

describe("the global calibration", () => {
  it("recovers the slope and middle of scores drawn from a known logistic curve", () => {
    const random = mulberry32(11)
    const pairs = Array.from({ length: 20_000 }, () => {
      const score = random() * 100
      return { score, relevant: random() < 1 / (1 + Math.exp(-0.15 * (score - 72))) }
    })
    const fitted = fitCalibration(pairs)
    expect(fitted.slope).toBeCloseTo(0.15, 1)
    expect(fitted.middle).toBeGreaterThan(70)
    expect(fitted.middle).toBeLessThan(74)
  })
})
