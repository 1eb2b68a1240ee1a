import { randomBytes } from "node:crypto"
import ckjs from "@confluentinc/kafka-javascript"
import { ConfigProvider, Duration, Effect, Layer } from "effect"
import { Publisher, type CrawlRun } from "../connectors/Publisher.js"
import type { RawPosting } from "../schemas/RawPosting.js"
import * as ClickHouse from "../sinks/ClickHouse.js"
import { kpiTables } from "../sinks/kpis.js"
import * as Postgres from "../sinks/Postgres.js"
import { InfraLive } from "./ingest.js"
import { Kafka, KafkaError } from "./Kafka.js"

/**
 * Test wiring over the real stack: the test databases (`jobstream_test` in PostgreSQL and ClickHouse) and a
 * Kafka namespace of its own per test file, so files never read each other's topics or consumer groups.
 * Anything set in the environment (another broker, another port) still wins.
 */
export const testConfig = (namespace = `test-${randomBytes(4).toString("hex")}.`) => {
  const env = {
    JOBSTREAM_KAFKA_NAMESPACE: namespace,
    JOBSTREAM_KAFKA_CLIENT_ID: "jobstream-test",
    JOBSTREAM_PG_URL: process.env.JOBSTREAM_TEST_PG_URL ?? "postgres://jobstream@127.0.0.1:15432/jobstream_test",
    JOBSTREAM_CLICKHOUSE_DATABASE: process.env.JOBSTREAM_TEST_CLICKHOUSE_DATABASE ?? "jobstream_test"
  }
  const provider = ConfigProvider.fromMap(new Map(Object.entries(env))).pipe(
    ConfigProvider.orElse(() => ConfigProvider.fromEnv())
  )
  return {
    namespace,
    /** For child processes: the same configuration as environment variables. */
    env: { ...process.env, ...env },
    layer: InfraLive.pipe(Layer.provide(Layer.setConfigProvider(provider)))
  }
}

/** Empties the test databases and re-applies the migrations. */
export const resetStores = Effect.gen(function* () {
  const db = yield* Postgres.Postgres
  yield* db.query("DROP SCHEMA public CASCADE")
  yield* db.query("CREATE SCHEMA public")
  yield* Postgres.migrate
  const ch = yield* ClickHouse.ClickHouse
  for (const table of [...kpiTables, "pipeline_events", "connector_events"]) yield* ch.command(`DROP TABLE IF EXISTS ${table}`)
  yield* ClickHouse.migrate
})

/**
 * Deletes a test run's topics, so test runs leave no trace on the broker. Their consumer groups lose their
 * offsets with the topics and expire by themselves (deleting them races the members' session timeout).
 */
export const dropNamespace = Effect.gen(function* () {
  const { settings } = yield* Kafka
  if (settings.namespace === "") return yield* Effect.dieMessage("refusing to drop the empty namespace")
  const admin = new ckjs.KafkaJS.Kafka({ kafkaJS: { brokers: settings.brokers.split(","), logLevel: ckjs.KafkaJS.logLevel.NOTHING } }).admin()
  yield* Effect.promise(async () => {
    await admin.connect()
    try {
      const topics = (await admin.listTopics()).filter((t) => t.startsWith(settings.namespace))
      if (topics.length > 0) await admin.deleteTopics({ topics })
    } finally {
      await admin.disconnect()
    }
  })
})

/** An in-memory Kafka whose broker is down: every call fails as an unreachable broker would. */
export const unreachableKafka = (reason = "broker unreachable") => {
  const down = new KafkaError({ operation: "metadata", cause: new Error(reason) })
  return Layer.succeed(
    Kafka,
    Kafka.of({
      settings: {
        brokers: "127.0.0.1:1",
        clientId: "test",
        namespace: "",
        sendTimeout: Duration.seconds(1),
        callTimeout: Duration.seconds(1)
      },
      ensureTopics: () => Effect.fail(down),
      send: () => Effect.fail(down),
      consumer: () => Effect.fail(down),
      lag: () => Effect.fail(down),
      ping: Effect.fail(down)
    })
  )
}

/** Everything a crawl hands the Publisher, kept in memory: for tests that only look at what was found. */
export const memoryPublisher = () => {
  const postings: Array<RawPosting> = []
  const rejected: Array<{ url: string; reason: string }> = []
  const runs: Array<CrawlRun> = []
  const layer = Layer.succeed(
    Publisher,
    Publisher.of({
      publish: (found) =>
        Effect.sync(() => {
          postings.push(...found)
          return found.map(() => "new" as const)
        }),
      touch: () => Effect.succeed(0),
      closeMissing: () => Effect.succeed(0),
      recordRun: (run) => Effect.sync(() => void runs.push(run)),
      reject: ({ url, reason }) => Effect.sync(() => void rejected.push({ url, reason }))
    })
  )
  return { postings, rejected, runs, layer }
}
