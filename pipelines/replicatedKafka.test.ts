import { createHash } from "node:crypto"
import { Duration, Effect, Either, Fiber, Layer, ManagedRuntime, Schedule, Stream } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { demoPostings } from "../connectors/demo-site/catalog.js"
import { normalizer } from "../processors/normalizer.js"
import { allTopics, DeadLetterTopic, decode, encode, Topics } from "../schemas/Envelope.js"
import { jobIdOf } from "../schemas/Job.js"
import type { RawPosting } from "../schemas/RawPosting.js"
import * as Kafka from "../stack/Kafka.js"
import { kafkaCluster } from "../stack/kafkaCluster.js"
import { runStage, StageStats } from "../stack/stage.js"
import { StageMonitor } from "../stack/StageMonitor.js"
import { supervise } from "../stack/supervisor.js"
import { readWithKcat } from "../stack/testing.js"

/**
 * The replicated local stack (stack.sh up --brokers 3), on a private cluster: the pipeline's topics get three
 * replicas and min.insync.replicas=2, and the normalizer stage, fed at a steady pace, loses nothing and goes on
 * while one broker is killed and brought back, and then the active controller is killed.
 */

// Far from the shared stack (19092-19097) and the fault suite's private one (29092, 29093).
const cluster = kafkaCluster({ nodes: 3, port: 39092, controllerPort: 39093 })
const runtime = ManagedRuntime.make(
  Layer.mergeAll(
    Kafka.layer({
      brokers: cluster.brokers,
      clientId: "jobstream-kafka-cluster-test",
      namespace: "",
      // What a stage and the outbox relay give a send: long enough to wait out a leader election.
      sendTimeout: Duration.seconds(30),
      callTimeout: Duration.seconds(10)
    }),
    StageStats.layer,
    StageMonitor.layer
  )
)
const report = (line: string) => console.log(`kafkaCluster: ${line}`)
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`

beforeAll(async () => {
  const started = performance.now()
  await cluster.up()
  report(`3-node cluster started (format + start + all registered) in ${seconds(performance.now() - started)}`)
}, 320_000)

afterAll(async () => {
  try {
    await runtime.dispose()
  } finally {
    await cluster.destroy()
  }
}, 120_000)

describe("a replicated Kafka (3 KRaft nodes)", () => {
  it("gives the pipeline's topics, created by the app, 3 replicas in sync and min.insync.replicas=2", { timeout: 120_000 }, async () => {
    await runtime.runPromise(Effect.flatMap(Kafka.Kafka, (kafka) => kafka.ensureTopics(allTopics)))
    const described = await cluster.describeTopics()
    const ours = allTopics.map((t) => described.find((d) => d.topic === t.name))
    expect(ours.map((t) => t?.topic)).toEqual(allTopics.map((t) => t.name))
    for (const t of ours) {
      expect({ topic: t?.topic, rf: t?.replicationFactor, minIsr: t?.configs["min.insync.replicas"] }).toEqual({ topic: t?.topic, rf: 3, minIsr: "2" })
      for (const p of t?.partitions ?? []) {
        expect([...p.replicas].sort()).toEqual(cluster.nodeIds)
        expect([...p.isr].sort()).toEqual(cluster.nodeIds)
      }
    }
  })

  it("loses no posting and keeps normalizing while a broker, then the active controller, is killed", { timeout: 600_000 }, async () => {
    const postings = demoPostings(400)
    const sent = new Map<string, { readonly at: number; acked: number | undefined }>()
    const seen = new Map<string, number>()
    let producing = true
    let resends = 0

    const rawPosting = (seq: number): RawPosting => {
      const p = postings[seq % postings.length]!
      const fields = { title: p.title, company: p.company, description: p.description, locations: [p.location], datePosted: p.datePosted }
      return {
        source: "kafka-cluster-test",
        sourceType: "jsonld",
        externalId: `K-${seq}`,
        url: `https://careers.example.org${p.path}?n=${seq}`,
        fetchedAt: new Date().toISOString(),
        contentHash: createHash("sha256").update(JSON.stringify(fields)).digest("hex"),
        fields,
        payload: fields
      }
    }

    // Ten postings a second, each sent on its own so that a send waiting out an election holds back no other. A
    // send that fails is sent again, as a connector would: the copies that may leave are counted below.
    const producer = Effect.gen(function* () {
      const kafka = yield* Kafka.Kafka
      const sends: Array<Fiber.RuntimeFiber<void, unknown>> = []
      for (let seq = 0; producing; seq++) {
        const raw = rawPosting(seq)
        const record = { at: Date.now(), acked: undefined as number | undefined }
        sent.set(jobIdOf(raw.source, raw.externalId), record)
        const send = kafka.send([encode(Topics.raw, raw)]).pipe(
          Effect.tapError(() => Effect.sync(() => resends++)),
          Effect.retry(Schedule.spaced(Duration.seconds(1))),
          Effect.tap(() => Effect.sync(() => (record.acked = Date.now()))),
          Effect.timeoutFail({ duration: "3 minutes", onTimeout: () => new Error(`posting ${seq} never acknowledged`) })
        )
        sends.push(yield* Effect.fork(send))
        yield* Effect.sleep("100 millis")
      }
      yield* Fiber.joinAll(sends)
    })

    // What reached jobs.normalized, and when: a consumer group of its own, under the supervisor the stages have.
    const observer = Effect.scoped(
      Effect.gen(function* () {
        const kafka = yield* Kafka.Kafka
        const consumer = yield* kafka.consumer({ groupId: "kafka-cluster-test.observer", topics: [Topics.normalized.name] })
        yield* consumer.batches.pipe(
          Stream.runForEach((batch) =>
            Effect.zipRight(
              Effect.sync(() => {
                for (const record of batch) {
                  const job = decode(Topics.normalized, record)
                  if (Either.isRight(job) && !seen.has(job.right.jobId)) seen.set(job.right.jobId, Date.now())
                }
              }),
              consumer.commit(batch)
            )
          )
        )
      })
    )

    const waitUntil = async (what: string, limitMs: number, done: () => Promise<boolean> | boolean) => {
      const deadline = Date.now() + limitMs
      while (!(await done())) {
        if (Date.now() > deadline) throw new Error(`${what}: not within ${limitMs / 1000} s`)
        await new Promise((r) => setTimeout(r, 200))
      }
    }
    /**
     * After a kill at `killedAt`: how long until the first posting sent after it was normalized (the stage goes on),
     * and until every posting sent in the second after it was (every partition of both topics has a leader again).
     */
    const recovery = async (killedAt: number, what: string) => {
      const sentAfterKill = (id: string) => (sent.get(id)?.at ?? 0) > killedAt
      await waitUntil(`a posting sent after ${what} normalized`, 180_000, () => [...seen.keys()].some(sentAfterKill))
      const first = Math.min(...[...seen].filter(([id]) => sentAfterKill(id)).map(([, at]) => at)) - killedAt
      await waitUntil(`the second after ${what}`, 10_000, () => Date.now() > killedAt + 1_000)
      const burst = [...sent].filter(([, s]) => s.at > killedAt && s.at <= killedAt + 1_000).map(([id]) => id)
      await waitUntil(`every posting sent in the second after ${what} normalized`, 180_000, () => burst.every((id) => seen.has(id)))
      const all = Math.max(...burst.map((id) => seen.get(id)!)) - killedAt
      const acknowledged = Math.max(...burst.map((id) => (sent.get(id)?.acked ?? Number.NaN) - sent.get(id)!.at).filter(Number.isFinite))
      return (
        `a posting sent after it normalized ${seconds(first)} later, all ${burst.length} sent in the second after it ${seconds(all)} later ` +
        `(their sends acknowledged within ${seconds(acknowledged)})`
      )
    }

    await runtime.runPromise(Effect.flatMap(Kafka.Kafka, (kafka) => kafka.ensureTopics(allTopics)))
    const stage = runtime.runFork(supervise(normalizer.name, runStage(normalizer)))
    const watching = runtime.runFork(supervise("observer", observer))
    const production = runtime.runFork(producer)
    try {
      await waitUntil("the first postings normalized", 120_000, () => seen.size >= 30)

      // 1. A broker that is not the active controller.
      const firstLeader = await cluster.quorumLeader()
      const broker = cluster.nodeIds.find((id) => id !== firstLeader)!
      const brokerKilledAt = Date.now()
      await cluster.kill(broker)
      report(`killed broker ${broker} (the controller is ${firstLeader}): ${await recovery(brokerKilledAt, `broker ${broker} was killed`)}`)

      const restartedAt = Date.now()
      await cluster.up()
      const restarted = Date.now() - restartedAt
      const watched = [Topics.raw.name, Topics.normalized.name, "__consumer_offsets"]
      await waitUntil(`broker ${broker} back in the ISR of ${watched.join(", ")}`, 180_000, async () => {
        const isrs = await Promise.all(watched.map((t) => cluster.inSyncReplicas(t)))
        return isrs.flat().every((isr) => isr.includes(broker))
      })
      report(`broker ${broker} restarted in ${seconds(restarted)}, back in every ISR ${seconds(Date.now() - restartedAt)} after the restart began`)

      // 2. The active controller (also a broker, in combined mode).
      const controller = await cluster.quorumLeader()
      const controllerKilledAt = Date.now()
      await cluster.kill(controller)
      const controllerRecovery = await recovery(controllerKilledAt, `controller ${controller} was killed`)
      const newLeader = await cluster.quorumLeader()
      report(`killed the active controller ${controller} (now ${newLeader}): ${controllerRecovery}`)
      expect(newLeader).not.toBe(controller)

      // A last stretch at the steady pace on the two nodes left, then everything sent must arrive.
      const lastStretch = Date.now()
      await waitUntil("postings after the controller kill", 120_000, () => [...seen.keys()].filter((id) => (sent.get(id)?.at ?? 0) > lastStretch).length >= 20)
      producing = false
      await runtime.runPromise(Fiber.join(production))
      await waitUntil(`all ${sent.size} postings normalized`, 180_000, () => [...sent.keys()].every((id) => seen.has(id)))
    } finally {
      producing = false
      await runtime.runPromise(Effect.all([Fiber.interrupt(stage), Fiber.interrupt(watching), Fiber.interrupt(production)], { concurrency: "unbounded" }))
    }

    // The independent count: every record on the topics, read with kcat rather than the client under test.
    const [raw, normalized, dlq, health] = await runtime.runPromise(
      Effect.all([
        readWithKcat(Topics.raw.name),
        readWithKcat(Topics.normalized.name),
        readWithKcat(DeadLetterTopic.name),
        Effect.flatMap(StageMonitor, (m) => m.snapshot)
      ])
    )
    const normalizedIds = normalized.map((m) => {
      const job = decode(Topics.normalized, { topic: Topics.normalized.name, partition: m.partition, offset: m.offset, key: m.key, value: Buffer.from(m.value), headers: m.headers })
      if (Either.isLeft(job)) throw job.left
      return job.right.jobId
    })
    const distinct = new Set(normalizedIds)
    report(
      `${sent.size} postings sent (${resends} sends retried); jobs.raw holds ${raw.length} records, jobs.normalized ${normalized.length} ` +
        `(${distinct.size} distinct: ${normalized.length - distinct.size} duplicates), jobs.dlq ${dlq.length}; ` +
        `stage restarts: ${health[normalizer.name]?.restarts ?? 0}`
    )
    expect([...sent.keys()].filter((id) => !distinct.has(id))).toEqual([])
    expect(distinct.size).toBe(sent.size)
    expect(dlq).toEqual([])
    expect(raw.length).toBeGreaterThanOrEqual(sent.size)
  })
})
