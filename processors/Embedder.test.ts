import { spawnSync } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Exit, Scope } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Embedder from "./Embedder.js"
import { memoryCacheLayer } from "./embeddingCache.js"

// The real model, provisioned the way a developer or CI does it. A cold run fetches ~35 MB from Maven Central.
const repoRoot = join(import.meta.dirname, "..")
const provision = (...args: Array<string>) => {
  const run = spawnSync("bash", [join(repoRoot, "stack", "model.sh"), ...args], {
    cwd: repoRoot,
    encoding: "utf8",
    timeout: 570_000
  })
  if (run.status !== 0) throw new Error(`stack/model.sh ${args.join(" ")} failed:\n${run.stdout}\n${run.stderr}`)
}

const dot = (a: Float32Array, b: Float32Array) => a.reduce((sum, x, i) => sum + x * b[i]!, 0)
const norm = (a: Float32Array) => Math.sqrt(dot(a, a))

/** Starts an embedder over its own in-process cache; closing the scope disposes of the ONNX session. */
const start = async (overrides: Partial<Embedder.EmbedderSettings> = {}) => {
  const settings = {
    ...(await Effect.runPromise(Embedder.settingsConfig)),
    model: Embedder.defaultModel,
    pooling: undefined,
    allowRemote: false,
    ...overrides
  }
  const scope = Effect.runSync(Scope.make())
  const service = await Effect.runPromise(
    Embedder.make(settings).pipe(Effect.provide(memoryCacheLayer(1000)), Scope.extend(scope))
  )
  return { service, close: () => Effect.runPromise(Scope.close(scope, Exit.void)) }
}

const run = <A>(effect: Effect.Effect<A, Embedder.EmbedderError>) => Effect.runPromise(effect)

// Postings move from one topic to another: software first, then a bakery, so each part has its own meaning.
const engineering = (i: number) =>
  `Requirement ${i}: you will design, build and operate backend services in Go and Python, deploy them on ` +
  `Kubernetes clusters, tune PostgreSQL queries and keep continuous integration pipelines fast and green.`
const bakery = (i: number) =>
  `Duty ${i}: you will bake croissants, laminate dough, temper chocolate, decorate wedding cakes, plate ` +
  `desserts for the evening service and keep the pastry kitchen clean, stocked and food-safe.`

describe("Embedder (bge-small-en-v1.5, int8, local)", () => {
  let embedder: Awaited<ReturnType<typeof start>>

  beforeAll(async () => {
    provision()
    embedder = await start({ batchSize: 8 })
  }, 600_000)

  afterAll(async () => {
    await embedder?.close()
  })

  it("gives unit vectors of the model's 384 dimensions, one per text, in order", async () => {
    const { service } = embedder
    expect(service.dimensions).toBe(384)
    expect(service.pooling).toBe("cls")
    expect(service.maxTokens).toBe(512)
    const texts = [
      "Data engineer, Spark and Airflow",
      "",
      "Nurse practitioner, night shifts",
      "Data engineer, Spark and Airflow"
    ]
    const vectors = await run(service.embed(texts))
    expect(vectors).toHaveLength(texts.length)
    for (const v of vectors) {
      expect(v).toBeInstanceOf(Float32Array)
      expect(v.length).toBe(384)
      expect(norm(v)).toBeCloseTo(1, 5)
    }
    expect(dot(vectors[0]!, vectors[3]!)).toBeCloseTo(1, 6)
    expect(dot(vectors[0]!, vectors[2]!)).toBeLessThan(0.9)
    expect(await run(service.embed([]))).toEqual([])
  })

  it("puts a Go/Kubernetes job nearer a Go/k8s resume than a pastry chef", async () => {
    const [job, resume, chef] = await run(
      embedder.service.embed(["Senior Golang engineer, Kubernetes", "Go backend developer with k8s", "Pastry chef"])
    )
    const near = dot(job!, resume!)
    const far = dot(job!, chef!)
    expect(near).toBeGreaterThan(far + 0.05)
  })

  it("never sends a text to the model twice: repeats, duplicates and concurrent callers hit the cache", async () => {
    const { service } = embedder
    const text = `Staff SRE, on-call, Terraform and Prometheus (${Date.now()})`
    const before = await run(service.stats)
    const [first] = await run(service.embed([text, text]))
    const afterFirst = await run(service.stats)
    expect(afterFirst.modelCalls - before.modelCalls).toBe(1)
    expect(afterFirst.sequences - before.sequences).toBe(1) // the duplicate was not run

    const [again] = await run(service.embed([text]))
    const afterRepeat = await run(service.stats)
    expect(afterRepeat.modelCalls).toBe(afterFirst.modelCalls)
    expect(afterRepeat.cacheHits - afterFirst.cacheHits).toBe(1)
    expect(Array.from(again!)).toEqual(Array.from(first!))

    // A caller that writes into its vector does not change what the cache hands out next.
    again!.fill(0)
    const [third] = await run(service.embed([text]))
    expect(norm(third!)).toBeCloseTo(1, 5)

    const fresh = `Principal data scientist, causal inference (${Date.now()})`
    await run(Effect.all([service.embed([fresh]), service.embed([fresh]), service.embed([fresh])], { concurrency: 3 }))
    const afterConcurrent = await run(service.stats)
    expect(afterConcurrent.sequences - afterRepeat.sequences).toBe(1)
  })

  it("embeds a 3000-word text through overlapping windows, so its later parts count", async () => {
    const { service } = embedder
    const indexes = Array.from({ length: 52 }, (_, i) => i)
    const parts = [...indexes.map(engineering), ...indexes.map(bakery)]
    const long = parts.join(" ")
    expect(long.split(/\s+/).length).toBeGreaterThanOrEqual(3000)
    const head = parts.slice(0, 8).join(" ") // well inside the first window

    const before = await run(service.stats)
    const [whole, start, chef] = await run(service.embed([long, head, "Pastry chef"]))
    const after = await run(service.stats)
    expect(after.sequences - before.sequences).toBeGreaterThan(6) // ~4000 tokens in 448-token steps, + 2 short texts

    expect(whole!.length).toBe(384)
    expect(norm(whole!)).toBeCloseTo(1, 5)
    expect(dot(whole!, start!)).toBeLessThan(0.97)
    // The bakery half only appears after the first window: it must pull the whole nearer the chef.
    expect(dot(whole!, chef!)).toBeGreaterThan(dot(start!, chef!) + 0.1)
  })
})

describe("Embedder without its model", () => {
  it("fails at startup, quickly, saying how to provision it", async () => {
    const empty = mkdtempSync(join(tmpdir(), "jobstream-no-models-"))
    try {
      const t0 = performance.now()
      const error = await Effect.runPromise(
        Embedder.make({
          ...(await Effect.runPromise(Embedder.settingsConfig)),
          model: Embedder.defaultModel,
          modelsDir: empty,
          allowRemote: false
        }).pipe(
          Effect.provide(memoryCacheLayer(10)),
          Effect.scoped,
          Effect.flip
        )
      )
      expect(performance.now() - t0).toBeLessThan(2_000)
      expect(error).toBeInstanceOf(Embedder.EmbedderError)
      expect(error.operation).toBe("load")
      expect(error.message).toContain("bash stack/model.sh")
      expect(error.message).toContain(join(empty, "Xenova/bge-small-en-v1.5"))
      expect(error.message).toContain("JOBSTREAM_EMBEDDING_ALLOW_REMOTE")
    } finally {
      rmSync(empty, { recursive: true, force: true })
    }
  })
})

describe("Embedder (all-MiniLM-L6-v2, int8, local)", () => {
  it("loads the second provisioned model with mean pooling and a 256-token window", async () => {
    provision("all-MiniLM-L6-v2")
    const { service, close } = await start({ model: "Xenova/all-MiniLM-L6-v2" })
    try {
      expect(service.pooling).toBe("mean")
      expect(service.maxTokens).toBe(256)
      const [job, resume, chef] = await run(
        service.embed(["Senior Golang engineer, Kubernetes", "Go backend developer with k8s", "Pastry chef"])
      )
      expect(job!.length).toBe(384)
      expect(norm(job!)).toBeCloseTo(1, 5)
      expect(dot(job!, resume!)).toBeGreaterThan(dot(job!, chef!) + 0.1)
    } finally {
      await close()
    }
  }, 600_000)
})
