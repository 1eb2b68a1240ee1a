import { createHash } from "node:crypto"
import { readdir, readFile } from "node:fs/promises"
import { join } from "node:path"
import { Config, Context, Data, Duration, Effect, Either, FiberRef, Layer, ParseResult, Redacted, Schema } from "effect"
import pg from "pg"

/**
 * A failure talking to PostgreSQL. `code` is the SQLSTATE when the server sent one; `timeout` is set when the
 * server gave no answer within the call's limit (a hung or overloaded server: worth a retry later).
 */
export class PostgresError extends Data.TaggedError("PostgresError")<{
  readonly operation: string
  readonly code: string | undefined
  readonly cause: unknown
  readonly timeout?: Duration.Duration
}> {
  override get message() {
    return this.timeout === undefined
      ? `PostgreSQL ${this.operation} failed: ${this.cause instanceof Error ? this.cause.message : String(this.cause)}`
      : `PostgreSQL ${this.operation} timed out: no answer within ${Duration.format(this.timeout)}`
  }
}

/**
 * A row that does not have the shape its statement's schema gives it: the code and the database disagree (a column
 * renamed, retyped or left out of the select list). Our bug, never the client's, and not worth a retry. It names
 * the statement, the row's position and the column, never a value: rows hold resumes, e-mail addresses and keys,
 * and this error ends up in logs.
 */
export class RowDecodeError extends Data.TaggedError("RowDecodeError")<{
  readonly operation: string
  readonly row: number
  /** The column's name, with the path inside it for a JSON value (`attribution.url`); empty for the row itself. */
  readonly column: string
  /** What the schema expected and the kind of value it found (`expected number, found string`). */
  readonly issue: string
}> {
  override get message() {
    return `PostgreSQL ${this.operation}: row ${this.row}${this.column === "" ? "" : `, column ${this.column}`}: ${this.issue}`
  }
}

export interface QueryOptions {
  /** The most this call may take, waiting for a connection included (default: `requestTimeout` or `queryTimeout`). */
  readonly timeout?: Duration.DurationInput
  /**
   * Prepare the statement once per connection, under a name derived from its text, and only bind and execute it
   * afterwards: for the statements every API request runs, so the server does not parse and plan them each time.
   * Not for text that varies with the values (inline them as parameters) nor for several statements in one text.
   */
  readonly prepare?: boolean
}

export interface Sql {
  /**
   * Runs one statement; every value goes in `params` as a bound parameter. Its rows are typed by assertion only:
   * a statement whose rows are read goes through `rows`.
   */
  readonly query: <R extends pg.QueryResultRow = pg.QueryResultRow>(
    text: string,
    params?: ReadonlyArray<unknown>,
    options?: QueryOptions
  ) => Effect.Effect<Array<R>, PostgresError>
  /**
   * Runs one statement like `query` and decodes each row with `schema` (the row as pg gives it: `timestamptz` a
   * Date, `bigint` and `numeric` a string, `jsonb` parsed), so a row of another shape fails as a RowDecodeError
   * instead of passing as a lie.
   */
  readonly rows: <A, I>(
    schema: Schema.Schema<A, I>,
    text: string,
    params?: ReadonlyArray<unknown>,
    options?: QueryOptions
  ) => Effect.Effect<Array<A>, PostgresError | RowDecodeError>
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
  /** Waiting for a pooled connection or opening a new one (default 3 s). */
  readonly connectTimeout?: Duration.DurationInput
  /** The server cancels a statement that runs longer (default 15 s). */
  readonly statementTimeout?: Duration.DurationInput
  /** The client gives up on a call with no answer (default 20 s): the limit that holds when the server hangs. */
  readonly queryTimeout?: Duration.DurationInput
  /** The same limit inside `forRequest`, for someone waiting on the answer (default 5 s). */
  readonly requestTimeout?: Duration.DurationInput
}

export const defaultTimeouts = {
  connect: Duration.seconds(3),
  statement: Duration.seconds(15),
  query: Duration.seconds(20),
  request: Duration.seconds(5)
} as const

/**
 * pg's own connect and read timers are backstops: they fire this much after the call's limit, which therefore
 * decides, so a timeout always reads as one (pg's timers fail with messages of their own).
 */
const backstopMargin = 250

/** Migrations may rewrite big tables and wait for another process's migrations: they get far longer. */
const migrationTimeout = Duration.minutes(10)

const servingRequest = FiberRef.unsafeMake(false)

/**
 * Runs `effect` as the work of an HTTP request: its PostgreSQL calls that name no timeout get `requestTimeout`
 * instead of `queryTimeout`, so a hung server costs a client a prompt 503 rather than the pipeline's patience.
 */
export const forRequest = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.locally(effect, servingRequest, true)

const migrationsDir = join(import.meta.dirname, "migrations", "postgres")

/**
 * A checked-out connection. It goes back to the pool only when it is known to be idle: no statement left
 * running (one abandoned by a timeout or an interruption may still be executing) and no transaction left open.
 * Otherwise it is closed, which also makes the server roll back whatever it had open.
 */
interface Lease {
  readonly client: pg.PoolClient
  idle: boolean
  inTransaction: boolean
}

export const make = (settings: PostgresSettings) =>
  Effect.gen(function* () {
    const limits = {
      connect: Duration.decode(settings.connectTimeout ?? defaultTimeouts.connect),
      statement: Duration.decode(settings.statementTimeout ?? defaultTimeouts.statement),
      query: Duration.decode(settings.queryTimeout ?? defaultTimeouts.query),
      request: Duration.decode(settings.requestTimeout ?? defaultTimeouts.request)
    }
    const pool = yield* Effect.acquireRelease(
      Effect.sync(
        () =>
          new pg.Pool({
            connectionString: Redacted.value(settings.url),
            max: settings.maxConnections,
            application_name: "jobstream",
            connectionTimeoutMillis: Duration.toMillis(limits.connect) + backstopMargin,
            statement_timeout: Duration.toMillis(limits.statement),
            query_timeout: Duration.toMillis(limits.query) + backstopMargin
          })
      ),
      // A hung server never acknowledges the goodbye of its connections: stop waiting for it.
      (p) => Effect.promise(() => p.end()).pipe(Effect.timeout(limits.connect), Effect.ignore)
    )
    // An idle client that loses its server emits 'error'; without a listener that would crash the process.
    pool.on("error", () => {})

    const timeoutOf = (options: QueryOptions | undefined) =>
      options?.timeout === undefined
        ? Effect.map(FiberRef.get(servingRequest), (request) => (request ? limits.request : limits.query))
        : Effect.succeed(Duration.decode(options.timeout))

    // Interruptible: a caller that stops waiting is free at once, and a connection handed over later goes back.
    const checkout = (limit: Duration.Duration) =>
      Effect.async<Lease, PostgresError>((resume) => {
        let waiting = true
        pool.connect((err, client) => {
          if (!waiting) client?.release()
          else if (err !== undefined || client === undefined)
            resume(Effect.fail(new PostgresError({ operation: "connect", code: sqlState(err), cause: err })))
          else resume(Effect.succeed({ client, idle: true, inTransaction: false }))
        })
        return Effect.sync(() => {
          waiting = false
        })
      }).pipe(timeLimit("connect", Duration.min(limit, limits.connect)))

    // A checked-out client whose server goes away between statements (a transaction waiting on Kafka, say) emits
    // 'error' too, and the pool listens only to idle ones: each client gets a listener of its own, once. Its next
    // statement then fails as a lost connection, so the lease closes it.
    const guarded = new WeakSet<pg.PoolClient>()
    const withLease = <A, E>(limit: Duration.Duration, use: (lease: Lease) => Effect.Effect<A, E>) =>
      Effect.uninterruptibleMask((restore) =>
        Effect.flatMap(restore(checkout(limit)), (lease) => {
          if (!guarded.has(lease.client)) {
            guarded.add(lease.client)
            lease.client.on("error", () => {})
          }
          return restore(use(lease)).pipe(
            Effect.ensuring(Effect.sync(() => lease.client.release(lease.idle && !lease.inTransaction ? undefined : true)))
          )
        })
      )

    const send = <R extends pg.QueryResultRow>(
      lease: Lease,
      text: string,
      params: ReadonlyArray<unknown>,
      timeout: Duration.Duration,
      prepare = false
    ) =>
      Effect.async<Array<R>, PostgresError>((resume) => {
        lease.idle = false
        const query: TimedQuery = {
          text,
          values: [...params],
          query_timeout: Duration.toMillis(timeout) + backstopMargin,
          ...(prepare ? { name: statementName(text) } : {})
        }
        lease.client.query<R>(query).then(
          (result) => {
            lease.idle = true
            resume(Effect.succeed(result.rows))
          },
          (cause: unknown) => {
            // The server answered with an error: the connection is fine. Anything else leaves it in doubt.
            lease.idle = cause instanceof pg.DatabaseError
            resume(Effect.fail(new PostgresError({ operation: firstWords(text), code: sqlState(cause), cause })))
          }
        )
      })

    /** One statement under its limit; `run` gets the limit to pass on, a timeout names the statement. */
    const bounded = <A>(text: string, options: QueryOptions | undefined, run: (limit: Duration.Duration) => Effect.Effect<A, PostgresError>) =>
      Effect.flatMap(timeoutOf(options), (limit) => run(limit).pipe(timeLimit(firstWords(text), limit)))

    const query = <R extends pg.QueryResultRow>(text: string, params: ReadonlyArray<unknown> = [], options?: QueryOptions) =>
      bounded(text, options, (limit) => withLease(limit, (lease) => send<R>(lease, text, params, limit, options?.prepare)))
    const db = withRows(query)

    const transaction = <A, E>(f: (tx: Sql) => Effect.Effect<A, E>) =>
      Effect.flatMap(timeoutOf(undefined), (limit) =>
        withLease(limit, (lease) => {
          const tx = withRows(<R extends pg.QueryResultRow>(text: string, params: ReadonlyArray<unknown> = [], options?: QueryOptions) =>
            bounded(text, options, (limit) => send<R>(lease, text, params, limit, options?.prepare))
          )
          const inTransaction = (open: boolean) =>
            Effect.sync(() => {
              lease.inTransaction = open
            })
          return tx.query("BEGIN").pipe(
            Effect.zipRight(inTransaction(true)),
            Effect.zipRight(f(tx)),
            Effect.tap(() => Effect.zipRight(tx.query("COMMIT"), inTransaction(false))),
            // A connection stuck in a statement is closed instead, which rolls back on the server.
            Effect.tapErrorCause(() =>
              lease.idle ? Effect.ignore(Effect.zipRight(tx.query("ROLLBACK"), inTransaction(false))) : Effect.void
            )
          )
        })
      )

    return Postgres.of({ ...db, transaction })
  })

/**
 * Applies `stack/migrations/postgres/*.sql` in name order, each once, in its own transaction. An advisory lock
 * makes concurrent starts wait instead of racing.
 */
export const migrate = Effect.gen(function* () {
  const db = yield* Postgres
  const files = (yield* Effect.promise(() => readdir(migrationsDir))).filter((f) => f.endsWith(".sql")).sort()
  const long = { timeout: migrationTimeout }
  yield* db.transaction((tx) =>
    Effect.gen(function* () {
      yield* tx.query("SELECT set_config('statement_timeout', $1, true)", [String(Duration.toMillis(migrationTimeout))])
      yield* tx.query("SELECT pg_advisory_xact_lock(4242001)", [], long)
      yield* tx.query(
        "CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
      )
      const done = new Set((yield* tx.rows(Applied, "SELECT name FROM schema_migrations")).map((r) => r.name))
      for (const file of files) {
        if (done.has(file)) continue
        const sql = yield* Effect.promise(() => readFile(join(migrationsDir, file), "utf8"))
        yield* tx.query(sql, [], long)
        yield* tx.query("INSERT INTO schema_migrations (name) VALUES ($1)", [file])
        yield* Effect.logInfo(`applied migration ${file}`)
      }
    })
  )
})

const Applied = Schema.Struct({ name: Schema.String })

export const layer = (settings: PostgresSettings) => Layer.scoped(Postgres, make(settings))

export const layerConfig = Layer.scoped(
  Postgres,
  Effect.flatMap(
    Config.all({
      url: Config.redacted("JOBSTREAM_PG_URL").pipe(
        Config.withDefault(Redacted.make("postgres://jobstream@127.0.0.1:15432/jobstream"))
      ),
      maxConnections: Config.integer("JOBSTREAM_PG_MAX_CONNECTIONS").pipe(Config.withDefault(8)),
      connectTimeout: Config.duration("JOBSTREAM_PG_CONNECT_TIMEOUT").pipe(Config.withDefault(defaultTimeouts.connect)),
      statementTimeout: Config.duration("JOBSTREAM_PG_STATEMENT_TIMEOUT").pipe(Config.withDefault(defaultTimeouts.statement)),
      queryTimeout: Config.duration("JOBSTREAM_PG_QUERY_TIMEOUT").pipe(Config.withDefault(defaultTimeouts.query)),
      requestTimeout: Config.duration("JOBSTREAM_PG_REQUEST_TIMEOUT").pipe(Config.withDefault(defaultTimeouts.request))
    }),
    make
  )
)

/** pg reads a per-query `query_timeout` that its type declarations leave out. */
interface TimedQuery extends pg.QueryConfig {
  readonly query_timeout: number
}

/** Fails with a timed-out PostgresError after `limit`; the call itself is interrupted, never waited for. */
const timeLimit =
  (operation: string, limit: Duration.Duration) =>
  <A>(effect: Effect.Effect<A, PostgresError>) =>
    Effect.timeoutFail(effect, {
      duration: limit,
      onTimeout: () => new PostgresError({ operation, code: undefined, cause: undefined, timeout: limit })
    })

/** `query` and the `rows` made of it: one for the pool, one for each transaction's connection. */
const withRows = (query: Sql["query"]): Sql => ({
  query,
  rows: (schema, text, params, options) => Effect.flatMap(query(text, params, options), (rows) => decodeRows(schema, text, rows))
})

/** Every row decoded, or the first that fails, by position. A plain loop: a scorer's start decodes 20,000 jobs. */
const decodeRows = <A, I>(schema: Schema.Schema<A, I>, text: string, rows: ReadonlyArray<unknown>) => {
  const decode = Schema.decodeUnknownEither(schema)
  const decoded: Array<A> = []
  for (const [i, row] of rows.entries()) {
    const result = decode(row)
    if (Either.isLeft(result)) return Effect.fail(rowDecodeError(firstWords(text), i, result.left.issue))
    decoded.push(result.right)
  }
  return Effect.succeed(decoded)
}

/** The first failing leaf of a parse issue: its path (the column first) and what was expected there. */
const rowDecodeError = (operation: string, row: number, issue: ParseResult.ParseIssue): RowDecodeError => {
  const path: Array<PropertyKey> = []
  let at = issue
  for (;;) {
    switch (at._tag) {
      case "Pointer":
        path.push(...(Array.isArray(at.path) ? at.path : [at.path]))
        at = at.issue
        continue
      case "Composite":
        at = Array.isArray(at.issues) ? at.issues[0]! : (at.issues as ParseResult.ParseIssue)
        continue
      case "Refinement":
      case "Transformation":
        at = at.issue
        continue
    }
    const column = path.map(String).join(".")
    const problem =
      at._tag === "Type" ? `expected ${String(at.ast)}, found ${kindOf(at.actual)}` : at._tag === "Missing" ? "missing" : at._tag.toLowerCase()
    return new RowDecodeError({ operation, row, column, issue: problem })
  }
}

/** The kind of a value, never the value. */
const kindOf = (value: unknown) =>
  value === null ? "null" : Array.isArray(value) ? "array" : value instanceof Date ? "Date" : Buffer.isBuffer(value) ? "Buffer" : typeof value

const sqlState = (cause: unknown): string | undefined =>
  typeof cause === "object" && cause !== null && "code" in cause && typeof cause.code === "string"
    ? cause.code
    : undefined

/** A prepared statement's name: the same text always gets the same one, on every connection. */
const statementName = (text: string) => `js_${createHash("sha256").update(text).digest("hex").slice(0, 32)}`

const firstWords = (sql: string) => sql.trim().split(/\s+/).slice(0, 3).join(" ")
