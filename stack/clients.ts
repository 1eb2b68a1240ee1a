import { Effect, Layer } from "effect"
import { allTopics } from "../schemas/Envelope.js"
import * as ClickHouse from "./ClickHouse.js"
import * as Kafka from "./Kafka.js"
import * as Postgres from "./Postgres.js"
import { StageStats } from "./stage.js"
import { StageMonitor } from "./StageMonitor.js"

/** The stack's clients, configured from the environment, and the stage bookkeeping every process keeps. */
export const ClientsLive = Layer.mergeAll(
  Kafka.layerConfig,
  Postgres.layerConfig,
  ClickHouse.layerConfig,
  StageStats.layer,
  StageMonitor.layer
)

/** Topics, PostgreSQL and ClickHouse schemas: created or migrated, idempotently, before anything runs. */
export const prepare = Effect.gen(function* () {
  const kafka = yield* Kafka.Kafka
  yield* kafka.ensureTopics(allTopics)
  yield* Postgres.migrate
  yield* ClickHouse.migrate
}).pipe(Effect.withSpan("Stack.prepare"))
