import { readdir, readFile } from "node:fs/promises"
import { join } from "node:path"
import { Config, Context, Data, Effect, Layer, Redacted } from "effect"
import pg from "pg"

/** A failure talking to PostgreSQL. `code` is the SQLSTATE when the server sent one. */
export class PostgresError extends Data.TaggedError("PostgresError")<{
  readonly operation: string
  readonly code: string | undefined
  readonly cause: unknown
}> {
  override get message() {
    return `PostgreSQL ${this.operation} failed: ${this.cause instanceof Error ? this.cause.message : String(this.cause)}`
  }
}

export interface Sql {
  /** Runs one statement; every value goes in `params` as a bound parameter. */
  readonly query: <R extends pg.QueryResultRow = pg.QueryResultRow>(
    text: string,
    params?: ReadonlyArray<unknown>
  ) => Effect.Effect<Array<R>, PostgresError>
}

export class Postgres extends Context.Tag("jobstream/Postgres")<
  Postgres,
  Sql & {
    /** Runs `f` on one connection inside BEGIN/COMMIT; any failure rolls back. */
    readonly transaction: <A, E>(f: (tx: Sql) => Effect.Effect<A, E>) => Effect.Effect<A, E | PostgresError>
  }
>() {}

export interface PostgresSettings {
  readonly url: Redacted.Redacted<string>
  readonly maxConnections: number
}

const migrationsDir = join(import.meta.dirname, "migrations", "postgres")

export const make = (settings: PostgresSettings) =>
  Effect.gen(function* () {
    const pool = yield* Effect.acquireRelease(
      Effect.sync(
        () =>
          new pg.Pool({
            connectionString: Redacted.value(settings.url),
            max: settings.maxConnections,
            application_name: "jobstream"
          })
      ),
      (p) => Effect.promise(() => p.end())
    )
    // An idle client that loses its server emits 'error'; without a listener that would crash the process.
    pool.on("error", () => {})

    const on = (client: pg.Pool | pg.PoolClient): Sql => ({
      query: (text, params = []) =>
        Effect.tryPromise({
          try: () => client.query(text, params as Array<unknown>),
          catch: (cause) => new PostgresError({ operation: firstWords(text), code: sqlState(cause), cause })
        }).pipe(Effect.map((r) => r.rows))
    })

    const transaction = <A, E>(f: (tx: Sql) => Effect.Effect<A, E>) =>
      Effect.acquireUseRelease(
        Effect.tryPromise({
          try: () => pool.connect(),
          catch: (cause) => new PostgresError({ operation: "connect", code: sqlState(cause), cause })
        }),
        (client) => {
          const tx = on(client)
          return tx.query("BEGIN").pipe(
            Effect.zipRight(f(tx)),
            Effect.tap(() => tx.query("COMMIT")),
            Effect.tapErrorCause(() => Effect.ignore(tx.query("ROLLBACK")))
          )
        },
        (client) => Effect.sync(() => client.release())
      )

    return Postgres.of({ ...on(pool), transaction })
  })

/**
 * Applies `sinks/migrations/postgres/*.sql` in name order, each once, in its own transaction. An advisory lock
 * makes concurrent starts wait instead of racing.
 */
export const migrate = Effect.gen(function* () {
  const db = yield* Postgres
  const files = (yield* Effect.promise(() => readdir(migrationsDir))).filter((f) => f.endsWith(".sql")).sort()
  yield* db.transaction((tx) =>
    Effect.gen(function* () {
      yield* tx.query("SELECT pg_advisory_xact_lock(4242001)")
      yield* tx.query(
        "CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
      )
      const done = new Set((yield* tx.query<{ name: string }>("SELECT name FROM schema_migrations")).map((r) => r.name))
      for (const file of files) {
        if (done.has(file)) continue
        const sql = yield* Effect.promise(() => readFile(join(migrationsDir, file), "utf8"))
        yield* tx.query(sql)
        yield* tx.query("INSERT INTO schema_migrations (name) VALUES ($1)", [file])
        yield* Effect.logInfo(`applied migration ${file}`)
      }
    })
  )
})

export const layer = (settings: PostgresSettings) => Layer.scoped(Postgres, make(settings))

export const layerConfig = Layer.scoped(
  Postgres,
  Effect.flatMap(
    Config.all({
      url: Config.redacted("JOBSTREAM_PG_URL").pipe(
        Config.withDefault(Redacted.make("postgres://jobstream@127.0.0.1:15432/jobstream"))
      ),
      maxConnections: Config.integer("JOBSTREAM_PG_MAX_CONNECTIONS").pipe(Config.withDefault(8))
    }),
    make
  )
)

const sqlState = (cause: unknown): string | undefined =>
  typeof cause === "object" && cause !== null && "code" in cause && typeof cause.code === "string"
    ? cause.code
    : undefined

const firstWords = (sql: string) => sql.trim().split(/\s+/).slice(0, 3).join(" ")
