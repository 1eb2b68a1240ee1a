import { Duration, Layer, ManagedRuntime, Redacted } from "effect"
import * as ClickHouse from "../../stack/ClickHouse.js"
import * as Postgres from "../../stack/Postgres.js"
import * as Kafka from "../../stack/Kafka.js"
import type { PrivateStack } from "./stack.js"

/** Where one run of the suite lives on the private stack: its own databases and its own Kafka namespace. */
export interface Target {
  readonly stack: PrivateStack
  readonly database: string
  readonly namespace: string
}

/**
 * The app's environment: the private stack's addresses and the run's database and namespace. Anything else in the
 * environment (the embedding model's folder, say) passes through; the shared stack's test settings do not.
 */
/** The metrics scraper's token the app is started with: the probe scrapes with it, as Prometheus would. */
export const scrapeToken = ({ namespace }: Target) => `faults-scraper-${namespace}`

export const appEnv = ({ stack, database, namespace }: Target): NodeJS.ProcessEnv => ({
  ...process.env,
  JOBSTREAM_KAFKA_BROKERS: stack.kafkaBrokers,
  JOBSTREAM_KAFKA_NAMESPACE: namespace,
  JOBSTREAM_KAFKA_CLIENT_ID: "jobstream-faults",
  JOBSTREAM_PG_URL: stack.postgresUrl(database),
  JOBSTREAM_CLICKHOUSE_URL: stack.clickhouseUrl,
  JOBSTREAM_CLICKHOUSE_DATABASE: database,
  JOBSTREAM_TEST_PG_URL: undefined,
  JOBSTREAM_TEST_CLICKHOUSE_DATABASE: undefined,
  // A seeker's change re-scores this many recent jobs: enough to exercise it, few enough for 2 shared cores.
  JOBSTREAM_RESCORE_JOBS: "300",
  JOBSTREAM_METRICS_TOKEN: scrapeToken({ stack, database, namespace }),
  // The seekers' webhooks are the suite's receivers on this machine; one never answers, and 2 s says so sooner.
  JOBSTREAM_WEBHOOK_ALLOW_INTERNAL: "true",
  JOBSTREAM_WEBHOOK_TIMEOUT: "2 seconds",
  // As the npm scripts start the app: a hung broker must not hold every libuv thread (see pipelines/cli.ts).
  UV_THREADPOOL_SIZE: process.env.UV_THREADPOOL_SIZE ?? "32"
})

/**
 * The suite's own clients of the private stack: the load's producer, the checks' queries. They are the project's
 * services, so the test's producer retries and times out the way the app's does.
 */
export const suiteRuntime = ({ stack, database, namespace }: Target) =>
  ManagedRuntime.make(
    Layer.mergeAll(
      Kafka.layer({
        brokers: stack.kafkaBrokers,
        clientId: "jobstream-faults-suite",
        namespace,
        sendTimeout: Duration.seconds(5),
        callTimeout: Duration.seconds(5)
      }),
      Postgres.layer({ url: Redacted.make(stack.postgresUrl(database)), maxConnections: 4 }),
      ClickHouse.layer({ url: stack.clickhouseUrl, database, username: "default", password: Redacted.make("") })
    )
  )

export type SuiteRuntime = ReturnType<typeof suiteRuntime>
