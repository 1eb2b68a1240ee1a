import type { FastifyInstance } from "fastify"
import { Effect, Option } from "effect"
import { contentType, renderPrometheus } from "./prometheus.js"
import { StageStats } from "../stack/stage.js"
import { opsReader } from "./apiKeys.js"

type Run = <A, E>(effect: Effect.Effect<A, E>) => Promise<A>

/**
 * `GET /metrics` for Prometheus: the process's metrics in the text exposition format 0.0.4, for the scraper's
 * token (`JOBSTREAM_METRICS_TOKEN`: checked without PostgreSQL, so scrapes go on through its outages) or a staff
 * key. The stage counters come from `StageStats` when the runtime has it (the main job's does); without it they
 * are simply absent.
 */
export const metricsRoutes = (app: FastifyInstance, run: Run) => {
  app.get("/metrics", { config: { access: ["scraper", ...opsReader] } }, async (_request, reply) =>
    reply.header("content-type", contentType).send(await run(scrape))
  )
}

const scrape = Effect.serviceOption(StageStats).pipe(
  Effect.flatMap(Option.match({ onNone: () => Effect.succeed(new Map<string, number>()), onSome: (stats) => stats.snapshot })),
  Effect.flatMap(renderPrometheus)
)
