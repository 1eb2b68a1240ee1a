import type { FastifyInstance } from "fastify"
import { Config, Duration, Effect, Either, JSONSchema, Schema } from "effect"
import { DependencyHealth, Health } from "../schemas/Api.js"
import { ClickHouse } from "../stack/ClickHouse.js"
import { Postgres } from "../stack/Postgres.js"
import { Kafka } from "../stack/Kafka.js"
import { isHealthy, isStalled, StageMonitor } from "../stack/StageMonitor.js"

type Run = <A, E>(effect: Effect.Effect<A, E, Kafka | Postgres | ClickHouse | StageMonitor>) => Promise<A>

const Limits = Config.all({
  /** Each dependency's probe; the whole answer comes within this plus a few milliseconds, whatever hangs. */
  probe: Config.duration("JOBSTREAM_HEALTH_PROBE_TIMEOUT").pipe(Config.withDefault(Duration.seconds(2))),
  /** A stage with input waiting and no progress for this long makes `/healthz` degraded. */
  stall: Config.duration("JOBSTREAM_HEALTH_STALL").pipe(Config.withDefault(Duration.seconds(60))),
  /** ... and for this long, `/livez` fails: the process should be restarted. */
  dead: Config.duration("JOBSTREAM_LIVENESS_STALL").pipe(Config.withDefault(Duration.minutes(10)))
})

/**
 * `/healthz`: every dependency and every stage of this process, 503 when anything is not as it should be.
 * `/readyz`: can this process serve requests (PostgreSQL and Kafka answer)? A load balancer's question.
 * `/livez`: is it worth keeping (no stage stuck for many minutes despite its supervisor)? A process manager's.
 * Stages are read from memory and each probe has its own time limit, so none of them can hang.
 */
export const healthRoutes = (app: FastifyInstance, run: Run) => {
  app.get("/healthz", { config: { access: "public" }, schema: { response: { 200: JSONSchema.make(Health), 503: JSONSchema.make(Health) } } }, async (_request, reply) => {
    const health = await run(checkHealth)
    return reply.status(health.status === "ok" ? 200 : 503).send(health)
  })

  app.get("/readyz", { config: { access: "public" } }, async (_request, reply) => {
    const { kafka, postgres } = await run(Effect.flatMap(Limits, (limits) => probes(limits.probe)))
    const ready = kafka.ok && postgres.ok
    return reply.status(ready ? 200 : 503).send({ status: ready ? "ready" : "not ready", checks: { kafka, postgres } })
  })

  app.get("/livez", { config: { access: "public" } }, async (_request, reply) => {
    const stuck = await run(
      Effect.gen(function* () {
        const limits = yield* Limits
        const stages = yield* Effect.flatMap(StageMonitor, (m) => m.snapshot)
        const now = Date.now()
        return Object.entries(stages)
          .filter(([, h]) => isStalled(h, now, Duration.toMillis(limits.dead)))
          .map(([name]) => name)
      })
    )
    return reply.status(stuck.length === 0 ? 200 : 503).send({ status: stuck.length === 0 ? "alive" : "stuck", stuck })
  })
}

const checkHealth = Effect.gen(function* () {
  const limits = yield* Limits
  const [checks, stages] = yield* Effect.all([probes(limits.probe), Effect.flatMap(StageMonitor, (m) => m.snapshot)], {
    concurrency: "unbounded"
  })
  const now = Date.now()
  const ok =
    checks.kafka.ok &&
    checks.postgres.ok &&
    checks.clickhouse.ok &&
    Object.values(stages).every((h) => isHealthy(h, now, Duration.toMillis(limits.stall)))
  return { status: ok ? "ok" : "degraded", checks, stages } satisfies Health
})

const probes = (limit: Duration.Duration) =>
  Effect.gen(function* () {
    const kafka = yield* Kafka
    const db = yield* Postgres
    const ch = yield* ClickHouse
    const [k, p, c] = yield* Effect.all(
      [
        probe(kafka.ping, limit, (n) => `${n} topics`),
        // "reachable", not the server's version: /healthz is open, and a version tells an attacker what to try.
        probe(db.rows(One, "SELECT 1 AS one"), limit, () => "reachable"),
        probe(ch.ping, limit, () => "reachable")
      ],
      { concurrency: "unbounded" }
    )
    return { kafka: k, postgres: p, clickhouse: c }
  })

const One = Schema.Struct({ one: Schema.Number })

/** One dependency's probe: its answer, or its failure, or "no answer" once `limit` passes (never waiting longer). */
const probe = <A, E>(check: Effect.Effect<A, E>, limit: Duration.Duration, show: (a: A) => string) =>
  Effect.gen(function* () {
    const start = performance.now()
    const result = yield* Effect.either(
      check.pipe(
        Effect.disconnect,
        Effect.timeoutFail({ duration: limit, onTimeout: () => new Error(`no answer within ${Duration.format(limit)}`) })
      )
    )
    const latencyMs = Math.round(performance.now() - start)
    return Either.match(result, {
      onLeft: (e): typeof DependencyHealth.Type => ({ ok: false, detail: e instanceof Error ? e.message : String(e), latencyMs }),
      onRight: (a): typeof DependencyHealth.Type => ({ ok: true, detail: show(a), latencyMs })
    })
  })
