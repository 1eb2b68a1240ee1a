import { execFile } from "node:child_process"
import { randomBytes } from "node:crypto"
import { promisify } from "node:util"
import ckjs from "@confluentinc/kafka-javascript"
import { ConfigProvider, Duration, Effect, Layer } from "effect"
import * as ClickHouse from "./ClickHouse.js"
import { ClientsLive } from "./clients.js"
import { Kafka } from "./Kafka.js"
import { KafkaError } from "./kafkaCalls.js"
import * as Postgres from "./Postgres.js"

/**
 * Test wiring over the real stack: the test databases (`jobstream_test` in PostgreSQL and ClickHouse) and a
 * Kafka namespace of its own per test file, so files never read each other's topics or consumer groups.
 * Anything set in the environment (another broker, another port) still wins.
 */
export const stackTestConfig = (namespace = `test-${randomBytes(4).toString("hex")}.`) => {
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
    /** The configuration itself, for layers built over these clients. */
    configLayer: Layer.setConfigProvider(provider),
    layer: ClientsLive.pipe(Layer.provide(Layer.setConfigProvider(provider)))
  }
}

/** Empties the test databases and re-applies the migrations. */
export const resetStores = Effect.gen(function* () {
  const db = yield* Postgres.Postgres
  yield* db.query("DROP SCHEMA public CASCADE")
  yield* db.query("CREATE SCHEMA public")
  yield* Postgres.migrate
  const ch = yield* ClickHouse.ClickHouse
  // Views first: a materialized view takes its own storage with it.
  const tables = yield* ch.query<{ name: string }>(
    "SELECT name FROM system.tables WHERE database = currentDatabase() AND name NOT LIKE '.inner%' ORDER BY engine != 'MaterializedView', name"
  )
  for (const { name } of tables) yield* ch.command(`DROP TABLE IF EXISTS \`${name}\``)
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

/** One message as kcat read it: where it is, key, headers and value as text ("" for a tombstone). */
export interface KcatMessage {
  readonly partition: number
  readonly offset: number
  readonly key: string | null
  readonly headers: Readonly<Record<string, string>>
  readonly value: string
  readonly tombstone: boolean
}

/** Every message on `topic` of this Kafka namespace, read with kcat: an independent client, not ours. */
export const readWithKcat = (topic: string) =>
  Effect.gen(function* () {
    const { settings } = yield* Kafka
    const { stdout } = yield* Effect.promise(() =>
      promisify(execFile)("kcat", ["-C", "-b", settings.brokers, "-t", settings.namespace + topic, "-e", "-q", "-J"], {
        maxBuffer: 64 * 1024 * 1024,
        timeout: 60_000
      })
    )
    return stdout
      .split("\n")
      .filter((line) => line.length > 0)
      .map((line): KcatMessage => {
        const m = JSON.parse(line) as { partition: number; offset: number; key: string | null; payload: string | null; headers?: Array<string> }
        const pairs = m.headers ?? []
        const headers: Record<string, string> = {}
        for (let i = 0; i + 1 < pairs.length; i += 2) headers[pairs[i]!] = pairs[i + 1]!
        return { partition: m.partition, offset: m.offset, key: m.key, headers, value: m.payload ?? "", tombstone: m.payload === null }
      })
  })
