import { createHash } from "node:crypto"
import { Duration, Effect } from "effect"
import { jobIdOf } from "../../schemas/Job.js"
import { encode, Topics } from "../../schemas/Envelope.js"
import type { RawPosting } from "../../schemas/RawPosting.js"
import { Kafka } from "../../stack/Kafka.js"
import type { SuiteRuntime } from "./wiring.js"

const titles = ["Data Engineer", "Backend Developer", "Site Reliability Engineer", "Analytics Engineer", "Platform Engineer"]

/** A posting no other posting duplicates: its own title number, requisition and URL. */
export const generatedPosting = (source: string, i: number): RawPosting => {
  const company = `${source} Company ${i % 25}`
  const title = `${titles[i % titles.length]} ${i}`
  const payload = { "@type": "JobPosting", title, hiringOrganization: { name: company }, identifier: `${source}-${i}` }
  return {
    source,
    sourceType: "jsonld",
    externalId: `${source}-${i}`,
    url: `https://careers.example.org/${source}/jobs/${i}`,
    fetchedAt: new Date().toISOString(),
    contentHash: createHash("sha256").update(JSON.stringify(payload)).digest("hex"),
    fields: {
      title,
      company,
      description: `<p>Build and run data pipelines with Kafka, PostgreSQL and TypeScript. Posting ${i} of ${source}.</p>`,
      locations: ["Berlin, Germany"]
    },
    payload
  }
}

const tickMs = 200

/**
 * Postings published to `jobs.raw` at a steady rate, as a connector would. A send that fails (the broker paused
 * or gone) is retried, oldest first, until the broker acknowledges it, while new postings keep being made at
 * the same rate: the generator itself never loses a record. Only acknowledged postings count as published.
 */
export class PostingLoad {
  /** Job ids of the postings the broker acknowledged. */
  readonly acknowledged: Array<string> = []
  failedSends = 0
  private made = 0
  private readonly queue: Array<RawPosting> = []
  private generating = false
  private sender: Promise<void> | undefined
  private ticker: NodeJS.Timeout | undefined
  private credit = 0

  constructor(
    private readonly runtime: SuiteRuntime,
    readonly source: string,
    readonly perSecond: number
  ) {}

  get generated() {
    return this.made
  }

  /** Made but not yet acknowledged. */
  get waiting() {
    return this.queue.length
  }

  start() {
    this.generating = true
    this.ticker = setInterval(() => {
      this.credit += (this.perSecond * tickMs) / 1000
      for (; this.credit >= 1; this.credit--) this.queue.push(generatedPosting(this.source, this.made++))
    }, tickMs)
    this.sender = this.send()
  }

  /** Stops making postings and waits until every one made is acknowledged (or `timeoutMs` passes: it throws). */
  async stop(timeoutMs = 120_000) {
    clearInterval(this.ticker)
    this.generating = false
    const deadline = Date.now() + timeoutMs
    while (this.queue.length > 0 && Date.now() < deadline) await sleep(100)
    if (this.queue.length > 0)
      throw new Error(`${this.queue.length} postings of ${this.source} still unacknowledged after ${timeoutMs / 1000} s`)
    await this.sender
  }

  private async send() {
    while (this.generating || this.queue.length > 0) {
      const batch = this.queue.slice(0, 200)
      if (batch.length === 0) {
        await sleep(tickMs / 2)
        continue
      }
      const sent = await this.runtime.runPromise(
        Effect.flatMap(Kafka, (kafka) =>
          kafka.send(
            batch.map((p) => encode(Topics.raw, p)),
            { timeout: Duration.seconds(5) }
          )
        ).pipe(Effect.as(true), Effect.orElseSucceed(() => false))
      )
      if (sent) {
        this.queue.splice(0, batch.length)
        this.acknowledged.push(...batch.map((p) => jobIdOf(p.source, p.externalId)))
      } else {
        this.failedSends++
        await sleep(500)
      }
    }
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
