import { Duration, Effect, Schedule, Schema } from "effect"
import type { Envelope } from "../schemas/Envelope.js"
import { Postgres, type Sql } from "./Postgres.js"
import { Kafka } from "./Kafka.js"
import { retryPolicy, StageStats } from "./stage.js"
import { StageMonitor } from "./StageMonitor.js"

/**
 * The transactional outbox. A change that must be announced on Kafka (an application's move, a seeker's new
 * resume) writes its events with `enqueue` in its own PostgreSQL transaction; the relay publishes them once that
 * transaction has committed. So an event reaches Kafka if and only if its change committed, whatever happens to
 * the broker or the process meanwhile, and the API answers a change without waiting on the broker.
 *
 * The relay sends a batch, waits for the broker's acknowledgement, and only then deletes the batch's rows, in one
 * transaction that holds them locked: killed in between, it sends them again after a restart, with the event ids
 * they were written with, which consumers already treat as the same event. Rows go out in id order, and a second
 * relay (another `jobstream process`) waits on the first one's locks, so events of one key keep their order.
 */
export const enqueue = (tx: Sql, records: ReadonlyArray<Envelope>) =>
  records.length === 0
    ? Effect.void
    : tx
        .query(
          `INSERT INTO outbox (topic, key, value, headers)
           SELECT * FROM unnest($1::text[], $2::text[], $3::bytea[], $4::jsonb[])`,
          [
            records.map((r) => r.topic),
            records.map((r) => r.key),
            records.map((r) => r.value),
            records.map((r) => JSON.stringify(r.headers))
          ]
        )
        .pipe(Effect.asVoid)

export interface RelaySettings {
  /** Rows per send. */
  readonly batch: number
  /** The wait before looking again when the outbox was empty. */
  readonly idle: Duration.DurationInput
}

export const defaultRelay: RelaySettings = { batch: 500, idle: "200 millis" }

/** The relay's name in the StageMonitor, `/healthz` and `/metrics`. */
export const relayName = "outbox"

/** An outbox row as pg reads it: the bigserial id as a string, the bytea value as a Buffer, the jsonb headers parsed. */
const Row = Schema.Struct({
  id: Schema.String,
  topic: Schema.String,
  key: Schema.NullOr(Schema.String),
  value: Schema.instanceOf(Buffer),
  headers: Schema.Record({ key: Schema.String, value: Schema.String })
})

/**
 * Publishes the outbox until interrupted or a batch keeps failing (its supervisor then starts it again). The
 * monitor gets the rows waiting as its lag and each acknowledged batch as progress, so a relay that cannot get
 * rows out shows up as stalled.
 */
export const relayOutbox = (settings: RelaySettings = defaultRelay) =>
  Effect.gen(function* () {
    const db = yield* Postgres
    const kafka = yield* Kafka
    const stats = yield* StageStats
    const monitor = yield* StageMonitor
    const startedAt = new Date().toISOString()
    yield* monitor.update(relayName, (h) => ({ ...h, state: "running", member: true, partitions: 0, startedAt }))

    const step = db.transaction((tx) =>
      Effect.gen(function* () {
        const rows = yield* tx.rows(
          Row,
          "SELECT id, topic, key, value, headers FROM outbox ORDER BY id LIMIT $1 FOR UPDATE",
          [settings.batch]
        )
        if (rows.length === 0) return 0
        yield* kafka.send(
          rows.map((r) => ({ topic: r.topic, key: r.key, value: r.value, headers: r.headers })),
          { timeout: Duration.seconds(30) }
        )
        yield* tx.query("DELETE FROM outbox WHERE id = ANY($1::bigint[])", [rows.map((r) => r.id)])
        return rows.length
      })
    )

    const sent = (n: number) =>
      Effect.all(
        [
          stats.add(`${relayName}.out`, n),
          monitor.update(relayName, (h) => ({ ...h, state: "running", lastError: null, lastProgressAt: new Date().toISOString() }))
        ],
        { discard: true }
      )

    const publish = step.pipe(
      Effect.tapError((e) =>
        Effect.zipRight(
          Effect.logWarning("outbox relay: batch failed, retrying", e),
          monitor.update(relayName, (h) => ({ ...h, state: "retrying", lastError: e.message }))
        )
      ),
      Effect.retry(retryPolicy),
      Effect.tap((n) => (n > 0 ? sent(n) : Effect.void)),
      Effect.flatMap((n) => (n < settings.batch ? Effect.sleep(settings.idle) : Effect.void)),
      Effect.forever
    )

    // count(*) is a bigint, which pg reads as a string.
    const watch = db.rows(Schema.Struct({ n: Schema.NumberFromString }), "SELECT count(*) AS n FROM outbox").pipe(
      Effect.flatMap(([row]) => monitor.update(relayName, (h) => ({ ...h, lag: row?.n ?? 0 }))),
      Effect.catchAll(() => monitor.update(relayName, (h) => ({ ...h, lag: null }))),
      Effect.repeat(Schedule.spaced(Duration.seconds(2)))
    )

    return yield* Effect.raceFirst(publish, watch)
  }).pipe(Effect.annotateLogs("stage", relayName), Effect.withSpan("Outbox.relay"))
