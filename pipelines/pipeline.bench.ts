import { createHash } from "node:crypto"
import type { ChildProcess } from "node:child_process"
import ckjs from "@confluentinc/kafka-javascript"
import { Effect, Schema } from "effect"
import { glassdoorRows } from "../processors/sampleData.js"
import { encode, Topics, type Envelope } from "../schemas/Envelope.js"
import type { RawPosting } from "../schemas/RawPosting.js"
import { ClickHouse } from "../stack/ClickHouse.js"
import { Kafka } from "../stack/Kafka.js"
import { Postgres } from "../stack/Postgres.js"
import { dropNamespace } from "../stack/testing.js"
import { cpuSeconds, memoryRow, rssOf, stackPids } from "./benchProcesses.js"
import { freshStores, processorsChild, stopChild, type BenchStores } from "./benchStores.js"
import type { BenchRow, BenchSection } from "../stack/benchTable.js"

/**
 * P2: the stream without the model. Raw postings generated from the 956 real Glassdoor postings (each job
 * published by two sources, its board's copy behind a tracking URL: half the stream is duplicates) are produced to
 * `jobs.raw`; then `jobstream process` children running normalize, dedup and both sinks take them until every
 * posting is in PostgreSQL (`jobs` or `job_duplicates`) and its unique/duplicate event in ClickHouse.
 * Baseline, same run, same topic: a bare librdkafka consume loop reading it (no decoding, no commits).
 * Rows: postings/s end to end for 1 (quick: 20k postings) or 1, 2 and 4 processes (full: 200k, then 100k each), the
 * CPU each part of the stack used, and the processes' memory.
 */
const stages = ["normalize", "dedup", "postgres", "clickhouse"]

export const rawPostings = (total: number): Array<Envelope> => {
  const rows = glassdoorRows()
  const fetchedAt = new Date().toISOString()
  const out: Array<Envelope> = []
  for (let i = 0; out.length < total; i++) {
    const row = rows[i % rows.length]!
    const round = Math.floor(i / rows.length)
    const company = round === 0 ? row.company : `${row.company} ${round}`
    const fields = { title: row.title, company, description: row.description, locations: [row.location] }
    const contentHash = createHash("sha256").update(`${company}\n${row.title}\n${row.description}`).digest("hex")
    const url = `https://careers.bench.example/jobs/${i}`
    const posting = (source: string, externalId: string, at: string): RawPosting => ({
      source,
      sourceType: "bench",
      externalId,
      url: at,
      fetchedAt,
      contentHash,
      fields,
      payload: null
    })
    out.push(encode(Topics.raw, posting("bench-ats", `J${i}`, url)))
    if (out.length < total) out.push(encode(Topics.raw, posting("bench-board", `B${i}`, `${url}?utm_source=board&ref=${i}`)))
  }
  return out
}

/** Messages/s of a bare consume loop over the whole topic: the least any consumer of it does. */
const bareConsume = (stores: BenchStores, topic: string, total: number) =>
  new Promise<number>((resolve, reject) => {
    const consumer = new ckjs.KafkaConsumer(
      {
        "bootstrap.servers": process.env.JOBSTREAM_KAFKA_BROKERS ?? "127.0.0.1:19092",
        "group.id": `${stores.namespace}bare-${Date.now()}`,
        "enable.auto.commit": false
      },
      { "auto.offset.reset": "earliest" }
    )
    let seen = 0
    let start = 0
    const limit = setTimeout(() => reject(new Error(`bare consumer read ${seen} of ${total} in 120 s`)), 120_000)
    consumer.connect({ timeout: 10_000 }, (err) => {
      if (err) return reject(err)
      consumer.subscribe([stores.namespace + topic])
      const poll = () =>
        consumer.consume(5000, (error, messages) => {
          if (error) {
            clearTimeout(limit)
            return reject(error)
          }
          if (messages.length > 0 && start === 0) start = performance.now()
          seen += messages.length
          if (seen >= total) {
            const ms = performance.now() - start
            clearTimeout(limit)
            consumer.disconnect(() => resolve(total / (ms / 1000)))
          } else setImmediate(poll)
        })
      poll()
    })
  })

const produce = (stores: BenchStores, records: ReadonlyArray<Envelope>) =>
  stores.runtime.runPromise(
    Effect.gen(function* () {
      const kafka = yield* Kafka
      for (let i = 0; i < records.length; i += 5000) yield* kafka.send(records.slice(i, i + 5000), { timeout: "60 seconds" })
    })
  )

/** Postings stored so far: rows in PostgreSQL, and their unique/duplicate events in ClickHouse. */
const landed = (stores: BenchStores) =>
  stores.runtime.runPromise(
    Effect.gen(function* () {
      const db = yield* Postgres
      const ch = yield* ClickHouse
      const [pg] = yield* db.rows(Schema.Struct({ n: Schema.String }), "SELECT ((SELECT count(*) FROM jobs) + (SELECT count(*) FROM job_duplicates))::text AS n")
      const [events] = yield* ch.query<{ n: string }>("SELECT toString(count()) AS n FROM pipeline_events WHERE event_type IN ('unique', 'duplicate')")
      return { postgres: Number(pg?.n ?? 0), clickhouse: Number(events?.n ?? 0) }
    })
  )

const firstRecord = (children: ReadonlyArray<ChildProcess>) =>
  new Promise<number>((resolve) => {
    for (const child of children)
      child.on("message", (report: { counters?: ReadonlyArray<[string, number]> }) => {
        if (report.counters?.some(([name, n]) => name === "normalize.in" && n > 0)) resolve(performance.now())
      })
  })

interface Run {
  readonly processes: number
  readonly rate: number
  readonly bare: number
  readonly wallSeconds: number
  readonly cpu: Record<string, number>
  readonly rss: Record<string, number>
}

const measure = async (total: number, processes: number, records: ReadonlyArray<Envelope>, profileDir?: string): Promise<Run> => {
  const stores = await freshStores(`p2x${processes}`)
  const children: Array<ChildProcess> = []
  try {
    await produce(stores, records)
    const bare = await bareConsume(stores, Topics.raw.name, total)
    const stack = stackPids()
    const cpuBefore = Object.fromEntries(Object.entries(stack).map(([name, pid]) => [name, cpuSeconds(pid)]))
    const forked = performance.now()
    for (let i = 0; i < processes; i++) children.push(processorsChild(stores.env, stages, profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : []))
    // The children's own start (compiling, connecting) is not the stream's cost: their CPU counts from the first record.
    const atFirst = new Map<ChildProcess, number>()
    const started = firstRecord(children).then((at) => {
      for (const child of children) atFirst.set(child, cpuSeconds(child.pid!))
      return at
    })
    let last = { postgres: 0, clickhouse: 0 }
    const deadline = Date.now() + 15 * 60_000
    while (last.postgres < total || last.clickhouse < total) {
      if (Date.now() > deadline) throw new Error(`P2: ${last.postgres} in PostgreSQL, ${last.clickhouse} in ClickHouse of ${total} after 15 minutes`)
      await new Promise((r) => setTimeout(r, 200))
      last = await landed(stores)
    }
    const done = performance.now()
    const first = await started
    const cpu: Record<string, number> = {}
    children.forEach((child, i) => (cpu[`processors ${i + 1}`] = cpuSeconds(child.pid!) - (atFirst.get(child) ?? 0)))
    for (const [name, pid] of Object.entries(stack)) cpu[name] = cpuSeconds(pid) - cpuBefore[name]!
    const rss = rssOf({ ...Object.fromEntries(children.map((c, i) => [`processors ${i + 1}`, c.pid!])), ...stack, bench: process.pid })
    return { processes, rate: total / ((done - first) / 1000), bare, wallSeconds: (done - forked) / 1000, cpu, rss }
  } finally {
    await Promise.all(children.map((c) => stopChild(c)))
    await stores.runtime.runPromise(dropNamespace)
    await stores.runtime.dispose()
  }
}

const round = (n: number) => Math.round(n).toLocaleString("en")
const cpuText = (cpu: Record<string, number>) =>
  Object.entries(cpu)
    .map(([name, s]) => `${name} ${s.toFixed(1)} s`)
    .join(", ")

export const pipelineSection: BenchSection = {
  id: "P2",
  title: "the stream without the model: raw postings -> PostgreSQL and ClickHouse",
  run: async ({ quick, profileDir }) => {
    // The full run: 200k postings through one process, then 100k through two and four (30 minutes for the suite).
    const records = rawPostings(quick ? 20_000 : 200_000)
    const rows: Array<BenchRow> = []
    for (const processes of quick ? [1] : [1, 2, 4]) {
      const total = processes === 1 ? records.length : records.length / 2
      const run = await measure(total, processes, records.slice(0, total), profileDir)
      const ratio = run.rate / run.bare
      rows.push(
        {
          id: `P2 x${processes}`,
          what: `${round(total)} raw postings (half duplicates) -> PostgreSQL + ClickHouse, ${processes} process${processes > 1 ? "es" : ""}`,
          value: `${round(run.rate)} postings/s`,
          baseline: `${round(run.bare)} msg/s bare consume`,
          ratio,
          goal: ">= 20,000/s and >= 0.2x",
          met: run.rate >= 20_000 && ratio >= 0.2,
          figures: { total, processes, rate: run.rate, bare: run.bare, wallSeconds: run.wallSeconds }
        },
        {
          id: `P2 x${processes} cpu`,
          what: "CPU seconds used during the run, by process",
          value: cpuText(run.cpu),
          baseline: "-",
          ratio: null,
          goal: "reported",
          met: null,
          figures: run.cpu
        },
        memoryRow(`P2 x${processes} mem`, "at the end", run.rss)
      )
    }
    return rows
  }
}
