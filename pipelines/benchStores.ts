import { fork, type ChildProcess } from "node:child_process"
import { randomBytes } from "node:crypto"
import { join } from "node:path"
import pg from "pg"
import { ConfigProvider, Effect, Layer, ManagedRuntime } from "effect"
import { ClientsLive, prepare } from "../stack/clients.js"
import { resetStores } from "../stack/testing.js"

/**
 * The stores a bench section runs on: a PostgreSQL database and a ClickHouse database of the bench's own
 * (`jobstream_bench`, next to the test databases on the local stack), emptied and migrated, and a Kafka namespace
 * per run. Like stack/testing.ts, anything set in the environment (another broker, another port) still wins.
 */
export const benchDatabase = "jobstream_bench"

const pgUrl = () => {
  const url = new URL(process.env.JOBSTREAM_TEST_PG_URL ?? "postgres://jobstream@127.0.0.1:15432/jobstream_test")
  url.pathname = `/${benchDatabase}`
  return url
}

/** Creates the bench's PostgreSQL and ClickHouse databases when missing. */
const ensureDatabases = async () => {
  const admin = pgUrl()
  admin.pathname = "/postgres"
  const client = new pg.Client({ connectionString: admin.toString(), connectionTimeoutMillis: 10_000, query_timeout: 30_000 })
  await client.connect()
  try {
    const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [benchDatabase])
    if (rowCount === 0) await client.query(`CREATE DATABASE ${benchDatabase}`)
  } finally {
    await client.end()
  }
  const clickhouse = process.env.JOBSTREAM_CLICKHOUSE_URL ?? "http://127.0.0.1:18123"
  const answer = await fetch(clickhouse, {
    method: "POST",
    body: `CREATE DATABASE IF NOT EXISTS ${benchDatabase}`,
    signal: AbortSignal.timeout(10_000)
  })
  if (!answer.ok) throw new Error(`ClickHouse: ${answer.status} ${await answer.text()}`)
}

export interface BenchStores {
  readonly namespace: string
  /** The configuration as environment variables, for the processes a section starts. */
  readonly env: NodeJS.ProcessEnv
  readonly runtime: ManagedRuntime.ManagedRuntime<Layer.Layer.Success<typeof ClientsLive>, unknown>
}

/** Fresh stores for one measurement: databases emptied and migrated, topics of a new namespace created. */
export const freshStores = async (label: string): Promise<BenchStores> => {
  await ensureDatabases()
  const namespace = `bench-${label}-${randomBytes(3).toString("hex")}.`
  const env = {
    JOBSTREAM_KAFKA_NAMESPACE: namespace,
    JOBSTREAM_KAFKA_CLIENT_ID: "jobstream-bench",
    JOBSTREAM_PG_URL: pgUrl().toString(),
    JOBSTREAM_CLICKHOUSE_DATABASE: benchDatabase
  }
  const provider = ConfigProvider.fromMap(new Map(Object.entries(env))).pipe(ConfigProvider.orElse(() => ConfigProvider.fromEnv()))
  const runtime = ManagedRuntime.make(ClientsLive.pipe(Layer.provide(Layer.setConfigProvider(provider))))
  await runtime.runPromise(Effect.andThen(resetStores, prepare))
  return { namespace, env: { ...process.env, ...env }, runtime }
}

/**
 * A `jobstream process` child running the given stages, as the main job runs it (with its IPC reports, which the
 * caller may read; the child stops itself when this process goes away).
 */
export const processorsChild = (env: NodeJS.ProcessEnv, stages: ReadonlyArray<string>, execArgv: ReadonlyArray<string> = []): ChildProcess =>
  fork(join(import.meta.dirname, "cli.ts"), ["process"], {
    env: { ...env, JOBSTREAM_STAGES: stages.join(","), UV_THREADPOOL_SIZE: "32" },
    execArgv: ["--import", "tsx", ...execArgv],
    stdio: ["ignore", "inherit", "inherit", "ipc"]
  })

/** Stops a child (SIGTERM, then SIGKILL after `graceMs`) and waits for it to exit. */
export const stopChild = (child: ChildProcess, graceMs = 15_000) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    const kill = setTimeout(() => child.kill("SIGKILL"), graceMs)
    child.once("exit", () => {
      clearTimeout(kill)
      resolve()
    })
    child.kill("SIGTERM")
  })
