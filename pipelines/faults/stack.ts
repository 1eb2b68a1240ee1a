import { execFile } from "node:child_process"
import { existsSync, readdirSync, readFileSync, realpathSync } from "node:fs"
import { join } from "node:path"
import { Effect, Redacted } from "effect"
import * as ClickHouse from "../../stack/ClickHouse.js"
import * as Postgres from "../../stack/Postgres.js"
import { alive, commandLine } from "../../stack/processes.js"

/**
 * A second local stack (stack/stack.sh with its own state folder and ports) that the fault suite may pause, kill
 * and restart at will: the shared stack on the default ports stays untouched, so other tests never see a fault.
 */

export type Service = "kafka" | "postgres" | "clickhouse"
export const services: ReadonlyArray<Service> = ["kafka", "postgres", "clickhouse"]

export const repoRoot = join(import.meta.dirname, "..", "..")

export interface StackPorts {
  readonly kafka: number
  readonly kafkaController: number
  readonly postgres: number
  readonly clickhouseHttp: number
  readonly clickhouseTcp: number
}

/** Far from the shared stack's 19092/19093/15432/18123/19000, so both run side by side. */
export const defaultPorts: StackPorts = {
  kafka: 29092,
  kafkaController: 29093,
  postgres: 25432,
  clickhouseHttp: 28123,
  clickhouseTcp: 29000
}

/** What "stop" sends: the broker is killed outright; the databases get the signal of their own fast shutdown. */
const stopSignal: Record<Service, NodeJS.Signals> = { kafka: "SIGKILL", postgres: "SIGINT", clickhouse: "SIGTERM" }

export interface PrivateStack {
  readonly home: string
  readonly ports: StackPorts
  readonly kafkaBrokers: string
  readonly clickhouseUrl: string
  readonly postgresUrl: (database: string) => string
  /** Starts whatever is not running and waits until all three answer (idempotent). */
  readonly up: () => Promise<void>
  readonly down: () => Promise<void>
  /** SIGSTOP to the service and every process under it: it keeps its sockets but answers nothing. */
  readonly pause: (service: Service) => Promise<void>
  readonly resume: (service: Service) => Promise<void>
  /** Stops the service (see `stopSignal`) and waits until none of its processes is left. */
  readonly stop: (service: Service) => Promise<void>
  /** Drops and creates `database` in PostgreSQL and ClickHouse: an empty place for one run of the app. */
  readonly freshDatabase: (database: string) => Promise<void>
}

export const privateStack = (home = join(repoRoot, ".jobstream", "faults"), ports = defaultPorts): PrivateStack => {
  const scriptEnv = {
    ...process.env,
    JOBSTREAM_HOME: home,
    JOBSTREAM_KAFKA_PORT: String(ports.kafka),
    JOBSTREAM_KAFKA_CONTROLLER_PORT: String(ports.kafkaController),
    JOBSTREAM_PG_PORT: String(ports.postgres),
    JOBSTREAM_CLICKHOUSE_HTTP_PORT: String(ports.clickhouseHttp),
    JOBSTREAM_CLICKHOUSE_TCP_PORT: String(ports.clickhouseTcp),
    // The broker shares 2 cores with three databases, the app and the test: a smaller heap than the shared one.
    JOBSTREAM_KAFKA_HEAP: process.env.JOBSTREAM_FAULTS_KAFKA_HEAP ?? "-Xms256m -Xmx512m"
  }
  const script = (command: "up" | "down") =>
    new Promise<void>((resolve, reject) => {
      execFile("bash", [join(repoRoot, "stack", "stack.sh"), command], { env: scriptEnv, timeout: 300_000 }, (error, _out, err) =>
        error ? reject(new Error(`stack.sh ${command} (JOBSTREAM_HOME=${home}) failed: ${err.trim() || error.message}`)) : resolve()
      )
    })

  /**
   * The service's process and all its descendants, the service first; empty when it is not running. The pid file
   * may outlive its process (a killed broker's does until the next `up`): the pid counts only while its command
   * line is still this stack's service, so a reused pid is never signalled.
   */
  const tree = (service: Service): Array<number> => {
    const pid = recordedPid(home, service)
    return pid === undefined || !alive(pid) || !commandLine(pid).includes(serviceMarker(home)[service]) ? [] : [pid, ...descendants(pid)]
  }

  const signalTree = (service: Service, signal: NodeJS.Signals) => {
    // The parent first: a postmaster stopped first can fork no new backend that would escape the signal.
    for (const pid of tree(service)) signalQuietly(pid, signal)
  }

  const postgresUrl = (database: string) => `postgres://jobstream@127.0.0.1:${ports.postgres}/${database}`
  const clickhouseUrl = `http://127.0.0.1:${ports.clickhouseHttp}`

  return {
    home,
    ports,
    kafkaBrokers: `127.0.0.1:${ports.kafka}`,
    clickhouseUrl,
    postgresUrl,
    up: () => script("up"),
    down: async () => {
      for (const service of services) signalTree(service, "SIGCONT")
      await script("down")
    },
    pause: async (service) => {
      if (tree(service).length === 0) throw new Error(`cannot pause ${service}: it is not running`)
      signalTree(service, "SIGSTOP")
    },
    resume: async (service) => signalTree(service, "SIGCONT"),
    stop: async (service) => {
      const pids = tree(service)
      if (pids.length === 0) throw new Error(`cannot stop ${service}: it is not running`)
      signalTree(service, "SIGCONT")
      signalQuietly(pids[0]!, stopSignal[service])
      const deadline = Date.now() + 30_000
      while (pids.some(alive)) {
        if (Date.now() > deadline) for (const pid of pids) signalQuietly(pid, "SIGKILL")
        await new Promise((r) => setTimeout(r, 100))
      }
    },
    freshDatabase: (database) => {
      if (!/^[a-z_][a-z0-9_]*$/.test(database)) return Promise.reject(new Error(`not a plain database name: ${database}`))
      const recreate = Effect.gen(function* () {
        const db = yield* Postgres.Postgres
        yield* db.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)
        yield* db.query(`CREATE DATABASE ${database} OWNER jobstream`)
        const ch = yield* ClickHouse.ClickHouse
        yield* ch.command(`DROP DATABASE IF EXISTS ${database}`)
        yield* ch.command(`CREATE DATABASE ${database}`)
      })
      return Effect.runPromise(
        recreate.pipe(
          // As the cluster's superuser (trusted on loopback in this private cluster): FORCE must also end an
          // autovacuum worker busy in the old database, which the app's role may not signal.
          Effect.provide(
            Postgres.layer({ url: Redacted.make(`postgres://postgres@127.0.0.1:${ports.postgres}/postgres`), maxConnections: 1 })
          ),
          Effect.provide(
            ClickHouse.layer({ url: clickhouseUrl, database: "default", username: "default", password: Redacted.make("") })
          ),
          Effect.timeout("60 seconds")
        )
      )
    }
  }
}

/** What only this stack's own service has on its command line (see `is_ours` in stack.sh, which resolves links). */
const serviceMarker = (home: string): Record<Service, string> => {
  const state = existsSync(home) ? realpathSync(home) : home
  return {
    kafka: join(state, "kafka", "server.properties"),
    postgres: join(state, "postgres", "data"),
    clickhouse: `--config-file=${join(state, "clickhouse", "config.xml")}`
  }
}

const recordedPid = (home: string, service: Service): number | undefined => {
  try {
    const pid = Number(readFileSync(join(home, "run", `${service}.pid`), "utf8").trim())
    return Number.isInteger(pid) && pid > 0 ? pid : undefined
  } catch {
    return undefined
  }
}

const descendants = (root: number): Array<number> => {
  const children = new Map<number, Array<number>>()
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue
    try {
      // The command name sits in parentheses and may itself hold spaces or parentheses: read after the last one.
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8")
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1])
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)])
    } catch {
      // The process ended while the table was read.
    }
  }
  const found: Array<number> = []
  const queue = [root]
  while (queue.length > 0)
    for (const child of children.get(queue.shift()!) ?? []) {
      found.push(child)
      queue.push(child)
    }
  return found
}

const signalQuietly = (pid: number, signal: NodeJS.Signals) => {
  try {
    process.kill(pid, signal)
  } catch {
    // Already gone: nothing left to signal.
  }
}
