import { createServer, type IncomingMessage, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { ConfigProvider, Duration, Effect, Layer, Option, Redacted, Stream } from "effect"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import type { StalledApplication } from "../schemas/Application.js"
import type { LlmSettings } from "./chatCompletions.js"
import { followupDrafts, FollowupWriter, formatDate, layer, layerConfig, templateDraft } from "./followups.js"

const stalled: StalledApplication = {
  applicationId: "8d5b8a52-5a5e-4a8e-9d59-0c8f7f7ad0a1",
  jobId: "0123456789abcdef0123456789abcdef",
  title: "Senior Data Scientist",
  company: "Acme Analytics",
  url: "https://careers.example/jobs/1",
  status: "applied",
  seekerName: "Maya Chen",
  appliedOn: "2025-03-04",
  lastChangeAt: "2025-03-04T09:30:00.000Z",
  daysSinceChange: 15
}

interface Seen {
  readonly path: string
  readonly authorization: string | undefined
  readonly body: { model: string; messages: Array<{ role: string; content: string }> }
}

/** A tiny OpenAI-compatible server on 127.0.0.1: answers chat completions the way `mode` says. */
let mode: "ok" | "subject" | "error" | "garbage" | "empty" | "slow" = "ok"
const seen: Array<Seen> = []
let server: Server
let baseUrl: string

const readBody = (request: IncomingMessage) =>
  new Promise<string>((resolve) => {
    const chunks: Array<Buffer> = []
    request.on("data", (c: Buffer) => chunks.push(c))
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")))
  })

const completion = (content: string | null) => ({
  id: "chatcmpl-test",
  object: "chat.completion",
  created: 1,
  model: "test-model",
  choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }]
})

beforeAll(async () => {
  server = createServer(async (request, response) => {
    const text = await readBody(request)
    seen.push({ path: request.url ?? "", authorization: request.headers.authorization, body: JSON.parse(text) as Seen["body"] })
    const json = (status: number, value: unknown) => {
      response.writeHead(status, { "content-type": "application/json" })
      response.end(JSON.stringify(value))
    }
    if (mode === "ok") return json(200, completion("Dear Acme Analytics hiring team,\n\nA note from the model.\n\nBest regards,\nMaya Chen"))
    if (mode === "subject") return json(200, completion("Subject: Checking in\n\nDear team, a note from the model."))
    if (mode === "error") return json(500, { error: { message: "the model is overloaded" } })
    if (mode === "garbage") return json(200, { answer: "not a completion" })
    if (mode === "empty") return json(200, completion("   "))
    setTimeout(() => json(200, completion("too late")), 2_000)
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`
})

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

beforeEach(() => {
  mode = "ok"
  seen.length = 0
})

const settings = (overrides: Partial<LlmSettings> = {}): LlmSettings => ({
  url: baseUrl,
  apiKey: Option.some(Redacted.make("sk-test-key")),
  model: "test-model",
  timeout: Duration.millis(500),
  ...overrides
})

const draftWith = <E>(writer: Layer.Layer<FollowupWriter, E>, application = stalled) =>
  Effect.runPromise(Effect.flatMap(FollowupWriter, (w) => w.draft(application)).pipe(Effect.provide(writer)))

describe("follow-up drafts from the template", () => {
  it("names the job, the company, the seeker and the dates", () => {
    const { subject, body } = templateDraft(stalled)
    expect(subject).toBe("Following up on my application for Senior Data Scientist")
    expect(body).toContain("Dear Acme Analytics hiring team,")
    expect(body).toContain("I applied for the Senior Data Scientist position on 4 March 2025")
    expect(body).toContain("since 4 March 2025, 15 days ago")
    expect(body.endsWith("Best regards,\nMaya Chen")).toBe(true)
  })

  it("words the note for the stage the application waits in", () => {
    const screening = templateDraft({ ...stalled, status: "screening", lastChangeAt: "2025-03-10T12:00:00.000Z", daysSinceChange: 1 })
    expect(screening.body).toContain("screening conversation about the Senior Data Scientist position, which I applied for on 4 March 2025")
    expect(screening.body).toContain("It has been 1 day since 10 March 2025")
    expect(templateDraft({ ...stalled, status: "interview" }).body).toContain("Thank you again for the interview")
    const offer = templateDraft({ ...stalled, status: "offer" })
    expect(offer.subject).toBe("Following up on the Senior Data Scientist offer")
    expect(offer.body).toContain("Thank you for the offer")
  })

  it("formats dates and instants in UTC", () => {
    expect(formatDate("2025-12-31")).toBe("31 December 2025")
    expect(formatDate("2025-01-01T23:59:00.000Z")).toBe("1 January 2025")
  })

  it("is what the writer gives when no endpoint is configured (and the environment has none)", async () => {
    const fromEnv = layerConfig.pipe(Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map()))))
    const draft = await draftWith(fromEnv)
    expect(draft).toEqual({ ...templateDraft(stalled), writer: "template", fallbackReason: null })
    expect(seen).toHaveLength(0)
  })
})

describe("follow-up drafts from an OpenAI-compatible endpoint", () => {
  it("asks the configured model with the key and the application's facts, and uses its text", async () => {
    const draft = await draftWith(layer(Option.some(settings())))
    expect(draft).toEqual({
      subject: "Following up on my application for Senior Data Scientist",
      body: "Dear Acme Analytics hiring team,\n\nA note from the model.\n\nBest regards,\nMaya Chen",
      writer: "llm",
      fallbackReason: null
    })
    expect(seen).toHaveLength(1)
    const request = seen[0]!
    expect(request.path).toBe("/v1/chat/completions")
    expect(request.authorization).toBe("Bearer sk-test-key")
    expect(request.body.model).toBe("test-model")
    const facts = JSON.parse(request.body.messages.find((m) => m.role === "user")!.content)
    expect(facts).toMatchObject({
      seekerName: "Maya Chen",
      position: "Senior Data Scientist",
      company: "Acme Analytics",
      appliedOn: "4 March 2025",
      daysWithoutNews: 15
    })
  })

  it("is configured from the environment, the key redacted", async () => {
    const provider = ConfigProvider.fromMap(
      new Map([
        ["JOBSTREAM_FOLLOWUP_LLM_URL", `${baseUrl}/chat/completions`],
        ["JOBSTREAM_FOLLOWUP_LLM_KEY", "sk-from-env"],
        ["JOBSTREAM_FOLLOWUP_LLM_MODEL", "env-model"]
      ])
    )
    const draft = await draftWith(layerConfig.pipe(Layer.provide(Layer.setConfigProvider(provider))))
    expect(draft.writer).toBe("llm")
    expect(seen[0]).toMatchObject({ path: "/v1/chat/completions", authorization: "Bearer sk-from-env", body: { model: "env-model" } })
  })

  it("refuses a URL that is not http(s) at start, instead of failing every draft", async () => {
    const provider = ConfigProvider.fromMap(new Map([["JOBSTREAM_FOLLOWUP_LLM_URL", "localhost:11434"]]))
    const exit = await Effect.runPromiseExit(
      Effect.flatMap(FollowupWriter, (w) => w.draft(stalled)).pipe(
        Effect.provide(layerConfig.pipe(Layer.provide(Layer.setConfigProvider(provider))))
      )
    )
    expect(exit._tag).toBe("Failure")
    expect(JSON.stringify(exit)).toMatch(/http\(s\) URL/)
  })

  it("drops a subject line the model adds anyway, and sends no key when none is configured", async () => {
    mode = "subject"
    const draft = await draftWith(layer(Option.some(settings({ apiKey: Option.none() }))))
    expect(draft.body).toBe("Dear team, a note from the model.")
    expect(seen[0]!.authorization).toBeUndefined()
  })

  it.each([
    ["an HTTP error", "error", /HTTP 500: .*overloaded/],
    ["an answer that is not a chat completion", "garbage", /not a chat completion \(choices: is missing\)/],
    ["an empty answer", "empty", /has no text/],
    ["no answer in time", "slow", /no answer within 500ms/]
  ] as const)("falls back to the template on %s, and says so", async (_label, failure, reason) => {
    mode = failure
    const draft = await draftWith(layer(Option.some(settings())))
    expect(draft.writer).toBe("template")
    expect(draft.body).toBe(templateDraft(stalled).body)
    expect(draft.fallbackReason).toMatch(reason)
    expect(draft.fallbackReason).toMatch(/the template wrote this draft instead$/)
    expect(seen).toHaveLength(1)
  })

  it("falls back to the template when the endpoint is unreachable", async () => {
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve))
    const port = (closed.address() as AddressInfo).port
    await new Promise<void>((resolve) => closed.close(() => resolve()))
    const draft = await draftWith(layer(Option.some(settings({ url: `http://127.0.0.1:${port}/v1` }))))
    expect(draft.writer).toBe("template")
    expect(draft.fallbackReason).toMatch(new RegExp(`cannot reach http://127.0.0.1:${port}/v1/chat/completions: fetch failed \\(.*ECONNREFUSED`))
  })

  it("drafts a stream of stalled applications concurrently, in their order", async () => {
    const slowWriter = Layer.succeed(
      FollowupWriter,
      FollowupWriter.of({
        draft: (a) =>
          Effect.sleep(Duration.millis(a.daysSinceChange)).pipe(
            Effect.as({ subject: a.title, body: "", writer: "template" as const, fallbackReason: null })
          )
      })
    )
    const input = [30, 10, 20].map((days) => ({ ...stalled, title: `job ${days}`, daysSinceChange: days }))
    const out = await Effect.runPromise(
      Stream.fromIterable(input).pipe(followupDrafts, Stream.runCollect, Effect.provide(slowWriter))
    )
    expect([...out].map((f) => f.draft.subject)).toEqual(["job 30", "job 10", "job 20"])
  })
})
