import type { FastifyInstance } from "fastify"
import { Effect, Option } from "effect"
import { contentType, renderPrometheus } from "./prometheus.js"
import { StageStats } from "../stack/stage.js"
import { opsReader } from "./apiKeys.js"

type Run = <A, E>(effect: Effect.Effect<A, E>) => Promise<A>

/**
 * `GET /metrics` for Prometheus: the process's metrics in the text exposition format 0.0.4. The stage counters
 * come from `StageStats` when the runtime has it (the main job's does); without it they are simply absent.
 */
export const metricsRoutes = (app: FastifyInstance, run: Run) => {
  app.get("/metrics", { config: { access: opsReader } }, async (_request, reply) => reply.header("content-type", contentType).send(await run(scrape)))
}

const scrape = Effect.serviceOption(StageStats).pipe(
  Effect.flatMap(Option.match({ onNone: () => Effect.succeed(new Map<string, number>()), onSome: (stats) => stats.snapshot })),
  Effect.flatMap(renderPrometheus)
)
