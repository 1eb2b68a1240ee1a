import { Duration, Effect, Either, ManagedRuntime, Option, Runtime } from "effect"
import type { FastifyInstance } from "fastify"
import { monitorEventLoopDelay } from "node:perf_hooks"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { makeApi } from "./api.js"
import { withServices } from "./ingest.js"
import { prepare } from "../stack/clients.js"
import { numberedPdf, textPdf } from "./pdfFixture.js"
import * as PdfText from "./pdfText.js"
import * as Seekers from "./Seekers.js"
import { testConfig } from "./testing.js"
import { dropNamespace } from "../stack/testing.js"

const defaults: PdfText.PdfTextSettings = {
  maxPages: 200,
  timeLimit: Duration.seconds(10),
  heapMb: 256,
  concurrency: 2,
  queueTimeout: Duration.seconds(20)
}

const twoPages = textPdf([["Maya Chen, Senior Data Scientist"], ["Python, Spark and Airflow on AWS"]])
// Every page shares one content stream, so 30,000 pages take 2.9 MB: under the 5 MiB upload cap.
const thirtyThousandPages = textPdf(Array.from({ length: 30_000 }, () => ["Filler line on every page"]))
const corrupt = Buffer.concat([Buffer.from("%PDF-1.4\n"), Buffer.alloc(4096, "garbage "), Buffer.from("\n%%EOF\n")])

/** What one extraction gives with these settings, and how long it took. */
const extract = async (bytes: Uint8Array, settings: Partial<PdfText.PdfTextSettings> = {}) => {
  const started = performance.now()
  const result = await Effect.runPromise(
    Effect.either(Effect.flatMap(PdfText.make({ ...defaults, ...settings }), (pdf) => pdf.extract(bytes)))
  )
  return { result, ms: Math.round(performance.now() - started) }
}

const failureOf = <E>(result: Either.Either<string, E>) => Option.getOrUndefined(Either.getLeft(result))

describe("PdfText: a PDF's text, read in a worker with limits", () => {
  it("reads the text of every page, in order", async () => {
    const { result } = await extract(twoPages)
    expect(Either.getOrThrow(result)).toMatch(/Maya Chen, Senior Data Scientist\s+Python, Spark and Airflow on AWS/)
  })

  it("refuses a 30,000-page document by its page count, before reading a page", async () => {
    const { result, ms } = await extract(thirtyThousandPages)
    expect(thirtyThousandPages.length).toBeLessThan(5 * 1024 * 1024)
    expect(failureOf(result)).toMatchObject({ _tag: "PdfTooManyPages", pages: 30_000, maxPages: 200 })
    expect(ms).toBeLessThan(10_000)
  })

  it("calls a damaged file damaged, without the reader's own words", async () => {
    const { result } = await extract(corrupt)
    const error = failureOf(result)
    expect(error).toMatchObject({ _tag: "PdfUnreadable", reason: "damaged" })
    expect(error?.message).toBe("the PDF could not be read: it is damaged or not a PDF")
  })

  it("stops a document at the time limit and ends its worker", async () => {
    const { result, ms } = await extract(numberedPdf(2_000), { maxPages: 5_000, timeLimit: Duration.millis(800) })
    expect(failureOf(result)).toMatchObject({ _tag: "PdfUnreadable", reason: "time", message: "reading the PDF took longer than 800ms" })
    expect(ms).toBeLessThan(3_000)
  })

  it("turns a worker out of memory into a typed error, and the next document is read as usual", async () => {
    const { result } = await extract(numberedPdf(2_000), { maxPages: 5_000, heapMb: 8 })
    expect(failureOf(result)).toMatchObject({ _tag: "PdfUnreadable", reason: "memory", message: "reading the PDF needs more than 8 MB of memory" })
    expect(Either.isRight((await extract(twoPages)).result)).toBe(true)
  })

  it("lets a document wait for a reader only so long, and loses no reader to the waits", async () => {
    const settings = { ...defaults, concurrency: 1, maxPages: 5_000, queueTimeout: Duration.millis(300) }
    const outcomes = await Effect.runPromise(
      Effect.gen(function* () {
        const pdf = yield* PdfText.make(settings)
        const [slow, waited] = yield* Effect.all([Effect.either(pdf.extract(numberedPdf(1_000))), Effect.either(pdf.extract(twoPages))], {
          concurrency: "unbounded"
        })
        // The reader the slow document had is free again: the next one starts at once.
        const after = yield* Effect.either(pdf.extract(twoPages).pipe(Effect.timeout("5 seconds")))
        return { slow, waited, after }
      })
    )
    expect(Either.isRight(outcomes.slow)).toBe(true)
    expect(failureOf(outcomes.waited)).toMatchObject({ _tag: "PdfBusy" })
    expect(Either.isRight(outcomes.after)).toBe(true)
  })
})

describe("resume uploads through the API, on the real stack", () => {
  const config = testConfig()
  const runtime = ManagedRuntime.make(withServices(config.layer))
  let seekerAuth: Record<string, string>

  /** The API as production builds it, its seekers reading PDFs with these limits. */
  const apiWith = async (settings: Partial<PdfText.PdfTextSettings> = {}): Promise<FastifyInstance> => {
    const seekers = await runtime.runPromise(Effect.provide(Seekers.make, PdfText.layer({ ...defaults, ...settings })))
    return makeApi(Runtime.provideService(await runtime.runtime(), Seekers.Seekers, seekers))
  }

  const upload = (api: FastifyInstance, body: Buffer, filename: string) =>
    api.inject({
      method: "POST",
      url: `/seekers/me/resumes?filename=${filename}`,
      headers: { ...seekerAuth, "content-type": "application/pdf" },
      body
    })

  const resumesStored = async (api: FastifyInstance) =>
    (await api.inject({ method: "GET", url: "/seekers/me", headers: seekerAuth })).json<{ resumes: Array<{ filename: string }> }>().resumes

  beforeAll(async () => {
    await runtime.runPromise(prepare)
    const api = await apiWith()
    const created = await api.inject({ method: "POST", url: "/seekers", payload: { name: "Ines Park" } })
    seekerAuth = { authorization: `Bearer ${created.json<{ apiKey: string }>().apiKey}` }
    await api.close()
  })

  afterAll(async () => {
    await runtime.runPromise(dropNamespace)
    await runtime.dispose()
  })

  it("stores a two-page PDF's text", async () => {
    const api = await apiWith()
    const response = await upload(api, twoPages, "cv.pdf")
    expect(response.statusCode).toBe(201)
    expect(response.json<{ characters: number }>().characters).toBeGreaterThan(60)
    expect((await resumesStored(api)).map((r) => r.filename)).toContain("cv.pdf")
    await api.close()
  })

  it("refuses a resume of another type, or with no text, with a 400 that says why, and stores neither", async () => {
    const api = await apiWith()
    const post = (contentType: string, body: string | Buffer, filename: string) =>
      api.inject({ method: "POST", url: `/seekers/me/resumes?filename=${filename}`, headers: { ...seekerAuth, "content-type": contentType }, body })
    const json = await post("application/json", JSON.stringify({ resume: "Data engineer, Python" }), "cv.json")
    expect(json.statusCode).toBe(400)
    expect(json.json()).toEqual({ error: "ResumeRejected", message: "send the resume as text/plain or application/pdf, not application/json" })
    const blank = await post("text/plain", "   \n\u0000  ", "blank.txt")
    expect(blank.statusCode).toBe(400)
    expect(blank.json()).toEqual({ error: "ResumeRejected", message: "the resume has no text (a scanned PDF without a text layer?)" })
    expect((await resumesStored(api)).filter((r) => r.filename === "cv.json" || r.filename === "blank.txt")).toEqual([])
    await api.close()
  })

  it("answers a 30,000-page PDF with 413 naming the limit, quickly, and keeps serving", async () => {
    const api = await apiWith()
    const started = performance.now()
    const [response, jobs] = await Promise.all([
      upload(api, thirtyThousandPages, "huge.pdf"),
      api.inject({ method: "GET", url: "/jobs?limit=1" })
    ])
    const ms = performance.now() - started
    expect(response.statusCode).toBe(413)
    expect(response.json()).toEqual({ error: "PdfTooManyPages", message: "the PDF has 30000 pages; a resume may have at most 200" })
    expect(ms).toBeLessThan(10_000)
    expect(jobs.statusCode).toBe(200)
    expect((await resumesStored(api)).map((r) => r.filename)).not.toContain("huge.pdf")
    await api.close()
  })

  it.each([
    ["a damaged PDF", corrupt, {}, /damaged or not a PDF/],
    ["a PDF over the time limit", numberedPdf(2_000), { maxPages: 5_000, timeLimit: Duration.millis(800) }, /longer than 800ms/],
    ["a PDF that exhausts the worker's heap", numberedPdf(2_000), { maxPages: 5_000, heapMb: 8 }, /more than 8 MB/]
  ])("answers %s with 422 and a reason of its own, and stores nothing", async (_name, pdf, settings, reason) => {
    const api = await apiWith(settings)
    const response = await upload(api, pdf, "refused.pdf")
    expect(response.statusCode).toBe(422)
    expect(response.json()).toMatchObject({ error: "PdfUnreadable", message: expect.stringMatching(reason) })
    expect(response.body).not.toMatch(/Invalid PDF|heap|ERR_/)
    expect((await resumesStored(api)).map((r) => r.filename)).not.toContain("refused.pdf")
    // The process is still here and still answers.
    expect((await api.inject({ method: "GET", url: "/jobs?limit=1" })).statusCode).toBe(200)
    await api.close()
  })

  it("keeps an unrelated route under 1 s while six 2,000-page PDFs are read", async () => {
    // Limits loose enough for a machine busy with other work: this test is about the API's latency.
    const api = await apiWith({ maxPages: 2_500, timeLimit: Duration.seconds(120), queueTimeout: Duration.seconds(300) })
    const pdfs = Array.from({ length: 6 }, (_, i) => numberedPdf(2_000, `Resume ${i} page`))
    const latencies: Array<number> = []
    const loopDelay = monitorEventLoopDelay({ resolution: 10 })
    loopDelay.enable()
    let reading = true
    const probe = (async () => {
      while (reading) {
        const sent = performance.now()
        const response = await api.inject({ method: "GET", url: "/jobs?limit=1" })
        expect(response.statusCode).toBe(200)
        latencies.push(performance.now() - sent)
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
    })()
    const started = performance.now()
    const uploads = await Promise.all(
      pdfs.map(async (pdf, i) => {
        const response = await upload(api, pdf, `long-${i}.pdf`)
        return { status: response.statusCode, ms: Math.round(performance.now() - started) }
      })
    )
    reading = false
    await probe
    loopDelay.disable()
    const sorted = [...latencies].sort((a, b) => a - b)
    console.log(
      `six 2,000-page PDFs: done at ${uploads.map((u) => u.ms).join(", ")} ms; GET /jobs?limit=1 x${sorted.length}: ` +
        `median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(1)} ms, max ${sorted[sorted.length - 1]!.toFixed(1)} ms; ` +
        `event loop delay max ${(loopDelay.max / 1e6).toFixed(1)} ms`
    )
    expect(uploads.map((u) => u.status)).toEqual([201, 201, 201, 201, 201, 201])
    expect(latencies.length).toBeGreaterThan(10)
    expect(Math.max(...latencies)).toBeLessThan(1_000)
    await api.close()
  }, 420_000)
})
