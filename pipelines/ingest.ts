import { Config, Duration, Effect, Layer, Option, Schedule, SynchronizedRef } from "effect"
import * as Politeness from "../connectors/Politeness.js"
import * as Publisher from "../connectors/Publisher.js"
import { deduplicator } from "../processors/deduplicator.js"
import * as Embedder from "../processors/Embedder.js"
import * as Drafts from "../processors/drafts.js"
import * as Followups from "../processors/followups.js"
import { normalizer } from "../processors/normalizer.js"
import { makeScorer } from "../processors/scorer.js"
import { scorerGroups, shardCountConfig } from "../processors/scorerShards.js"
import { clickhouseEvents } from "../sinks/clickhouseEvents.js"
import * as EmbeddingCache from "../processors/embeddingCache.js"
import { postgresJobs } from "../sinks/postgresJobs.js"
import { postgresMatches } from "../sinks/postgresMatches.js"
import { notificationIntake } from "../sinks/notificationIntake.js"
import { notifierName, runNotifier, settingsConfig as notifierConfig } from "../sinks/notifier.js"
import type { ClickHouse } from "../stack/ClickHouse.js"
import * as Kafka from "../stack/Kafka.js"
import type { Postgres } from "../stack/Postgres.js"
import { relayName, relayOutbox } from "../stack/outbox.js"
import * as Applications from "./Applications.js"
import * as JobSearch from "./JobSearch.js"
import * as DeskHub from "./DeskHub.js"
import * as ReviewDesk from "./ReviewDesk.js"
import * as Seekers from "./Seekers.js"
import * as Staff from "./Staff.js"
import { ClientsLive } from "../stack/clients.js"
import { runStage } from "../stack/stage.js"
import { supervise } from "../stack/supervisor.js"

/** The local embedder, remembering vectors in PostgreSQL. */
const EmbedderLive = Layer.unwrapEffect(Effect.map(Embedder.settingsConfig, Embedder.layerWithCache)).pipe(
  Layer.provide(EmbeddingCache.layer())
)

/** The clients every part of the pipeline shares, configured from the environment. */
export const InfraLive = Layer.provideMerge(EmbedderLive, ClientsLive)

/** The domain services (publishing postings, seekers) over given clients: production's or a test's. */
export const withServices = <E, R>(infra: Layer.Layer<Layer.Layer.Success<typeof InfraLive>, E, R>) =>
  Layer.provideMerge(
    Layer.mergeAll(
      Publisher.layer,
      Politeness.layer,
      Seekers.layer,
      JobSearch.layer,
      Applications.layer,
      Followups.layerConfig,
      Drafts.layerConfig,
      Staff.layer,
      ReviewDesk.layer,
      DeskHub.layer
    ),
    infra
  )

const fixedStages = [normalizer, deduplicator, postgresJobs, postgresMatches, clickhouseEvents, notificationIntake] as const

/**
 * Every stage's consumer group and topics, for lag readings: the scorer's once per shard of the deployment
 * (`JOBSTREAM_SCORER_SHARDS`), whichever shard this process runs.
 */
export const stageGroups = Effect.map(shardCountConfig, (shards) => [...fixedStages, ...scorerGroups(shards)])

/** The names `JOBSTREAM_STAGES` may list: every stage, the scorer, the outbox relay and the notifier. */
export const stageNames = [...fixedStages.map((s) => s.name), "score", relayName, notifierName] as const

/**
 * Which of them this process runs: all by default, or the comma-separated list in `JOBSTREAM_STAGES`, so that
 * more processes of one stage join its consumer group (scaling a stage by processes) without the others.
 */
const stagesConfig = Config.array(Config.literal(...stageNames)(), "JOBSTREAM_STAGES").pipe(
  Config.withDefault(stageNames),
  Config.map((names) => new Set<string>(names))
)

/**
 * Every stage, each its own consumer group, the outbox relay and the notifier, concurrently, until interrupted; each under its
 * own supervisor, so a failure restarts that one alone. The scorer's state (every seeker's profile, the BM25 index of recent jobs) is
 * built once, retried until it succeeds, and kept across restarts of its consumer: rebuilding it reads 20,000 jobs
 * on the thread the API shares.
 */
export const runPipeline = Effect.gen(function* () {
  const chosen = yield* stagesConfig
  const scorer = yield* SynchronizedRef.make(Option.none<Effect.Effect.Success<typeof makeScorer>>())
  const scorerStage = SynchronizedRef.modifyEffect(scorer, (built) =>
    Option.match(built, {
      onSome: (stage) => Effect.succeed([stage, built] as const),
      onNone: () => Effect.map(makeScorer, (stage) => [stage, Option.some(stage)] as const)
    })
  )
  yield* Effect.all(
    [
      ...fixedStages
        .filter((stage) => chosen.has(stage.name))
        .map((stage) => supervise(stage.name, runStage<unknown, Kafka.Kafka | Postgres | ClickHouse>(stage))),
      ...(chosen.has("score") ? [supervise("score", Effect.flatMap(scorerStage, (stage) => runStage(stage)))] : []),
      ...(chosen.has(relayName) ? [supervise(relayName, relayOutbox())] : []),
      ...(chosen.has(notifierName) ? [supervise(notifierName, Effect.flatMap(notifierConfig, runNotifier))] : [])
    ],
    { concurrency: "unbounded", discard: true }
  )
})

const lagOf = (groups: ReadonlyArray<{ readonly groupId: string; readonly topics: ReadonlyArray<string> }>) =>
  Effect.gen(function* () {
    const kafka = yield* Kafka.Kafka
    const lags = yield* Effect.all(groups.map((s) => kafka.lag(s.groupId, s.topics)))
    return lags.reduce((a, b) => a + b, 0)
  })

/** Records published but not yet handled, summed over every stage's consumer group. */
export const pipelineLag = Effect.flatMap(stageGroups, lagOf)

/** Waits until every stage has handled everything published so far (two quiet readings in a row). */
export const drained = (timeout: Duration.DurationInput) =>
  Effect.flatMap(stageGroups, (groups) => {
    // A reading the broker cannot answer right now is taken again, until the timeout says otherwise.
    const lag = Effect.retry(lagOf(groups), Schedule.spaced(Duration.millis(500)))
    return lag.pipe(
      Effect.repeat({
        schedule: Schedule.spaced(Duration.millis(250)),
        until: (lag) => lag === 0
      }),
      Effect.zipRight(Effect.sleep(Duration.millis(300))),
      Effect.zipRight(lag),
      Effect.repeat({ schedule: Schedule.spaced(Duration.millis(250)), until: (lag) => lag === 0 }),
      Effect.timeoutFail({
        duration: timeout,
        onTimeout: () => new Error(`the pipeline did not catch up within ${Duration.format(Duration.decode(timeout))}`)
      })
    )
  })
