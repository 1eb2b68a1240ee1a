import { readdir, readFile } from "node:fs/promises"
import { join } from "node:path"
import { ClickHouseLogLevel, createClient, type ClickHouseClient as Client } from "@clickhouse/client"
import { Config, Context, Data, Duration, Effect, Layer, Redacted } from "effect"

/**
 * A failure talking to ClickHouse. ClickHouse 18.16's error bodies do not match the client's parser, so the
 * server's `Code: N` is read from the message. `timeout` is set when the server gave no answer within the call's
 * limit.
 */
export class ClickHouseError extends Data.TaggedError("ClickHouseError")<{
  readonly operation: string
  readonly code: number | undefined
  readonly cause: unknown
  readonly timeout?: Duration.Duration
}> {
  override get message() {
    return this.timeout === undefined
      ? `ClickHouse ${this.operation} failed: ${this.cause instanceof Error ? this.cause.message : String(this.cause)}`
      : `ClickHouse ${this.operation} timed out: no answer within ${Duration.format(this.timeout)}`
  }
}

export interface CallOptions {
  /**
   * The most this call may take (default: the settings' `readTimeout` for reads, `writeTimeout` otherwise). Above
   * the longer of the two, the client's idle-socket limit may end a silent call first.
   */
  readonly timeout?: Duration.DurationInput
}

export class ClickHouse extends Context.Tag("jobstream/ClickHouse")<
  ClickHouse,
  {
    /** One INSERT of all rows (JSONEachRow). Never call it per row. */
    readonly insert: (table: string, rows: ReadonlyArray<object>, options?: CallOptions) => Effect.Effect<void, ClickHouseError>
    /**
     * Runs a SELECT. This server has no query parameters: every user value in `sql` must have gone through
     * `quote` or been validated against a closed set first.
     */
    readonly query: <R>(sql: string, options?: CallOptions) => Effect.Effect<Array<R>, ClickHouseError>
    readonly command: (sql: string, options?: CallOptions) => Effect.Effect<void, ClickHouseError>
    /** The server's version, within the read limit. */
    readonly ping: Effect.Effect<string, ClickHouseError>
  }
>() {}

export interface ClickHouseSettings {
  readonly url: string
  readonly database: string
  readonly username: string
  readonly password: Redacted.Redacted<string>
  /** The limit of a SELECT or a ping: what the API waits at most (default 5 s). */
  readonly readTimeout?: Duration.DurationInput
  /** The limit of an insert or a command, migrations included (default 30 s). */
  readonly writeTimeout?: Duration.DurationInput
}

export const defaultTimeouts = { read: Duration.seconds(5), write: Duration.seconds(30) } as const

const migrationsDir = join(import.meta.dirname, "migrations", "clickhouse")

export const make = (settings: ClickHouseSettings) =>
  Effect.gen(function* () {
    const limits = {
      read: Duration.decode(settings.readTimeout ?? defaultTimeouts.read),
      write: Duration.decode(settings.writeTimeout ?? defaultTimeouts.write)
    }
    const client: Client = yield* Effect.acquireRelease(
      Effect.sync(() =>
        createClient({
          url: settings.url,
          database: settings.database,
          username: settings.username,
          password: Redacted.value(settings.password),
          // Only a backstop for an idle socket: every call is aborted at its own, usually shorter, limit.
          request_timeout: Duration.toMillis(Duration.max(limits.read, limits.write)),
          // Every failure reaches the caller as a ClickHouseError; the client's own log would only repeat it.
          log: { level: ClickHouseLogLevel.OFF }
        })
      ),
      (c) => Effect.promise(() => c.close())
    )
    /**
     * One call, aborted at its limit: the HTTP request is cancelled (a hung server costs the caller the limit,
     * never more) and the error says it timed out.
     */
    const attempt = <A>(operation: string, limit: Duration.Duration, f: (signal: AbortSignal) => Promise<A>) =>
      Effect.tryPromise({ try: f, catch: (cause) => new ClickHouseError({ operation, code: codeOf(cause), cause }) }).pipe(
        Effect.timeoutFail({
          duration: limit,
          onTimeout: () => new ClickHouseError({ operation, code: undefined, cause: undefined, timeout: limit })
        })
      )
    const limitOf = (options: CallOptions | undefined, fallback: Duration.Duration) =>
      options?.timeout === undefined ? fallback : Duration.decode(options.timeout)
    // The server stops a read at the same limit, so an abandoned SELECT does not go on using it.
    const readSettings = (limit: Duration.Duration) => ({ max_execution_time: Math.ceil(Duration.toSeconds(limit)) })

    const select = <R>(operation: string, sql: string, limit: Duration.Duration) =>
      attempt(operation, limit, async (signal) => {
        const rs = await client.query({
          query: sql,
          format: "JSONEachRow",
          abort_signal: signal,
          clickhouse_settings: readSettings(limit)
        })
        return rs.json<R>()
      })

    return ClickHouse.of({
      insert: (table, rows, options) =>
        rows.length === 0
          ? Effect.void
          : attempt(`insert into ${table}`, limitOf(options, limits.write), (signal) =>
              client.insert({ table, values: rows as Array<object>, format: "JSONEachRow", abort_signal: signal })
            ).pipe(Effect.asVoid),
      query: <R>(sql: string, options?: CallOptions) => select<R>("query", sql, limitOf(options, limits.read)),
      command: (sql, options) =>
        attempt("command", limitOf(options, limits.write), (signal) => client.command({ query: sql, abort_signal: signal })).pipe(
          Effect.asVoid
        ),
      ping: Effect.map(select<{ v: string }>("ping", "SELECT version() AS v", limits.read), ([row]) => row?.v ?? "unknown")
    })
  })

/** Runs every statement of `stack/migrations/clickhouse/*.sql`; they are written to be re-runnable. */
export const migrate = Effect.gen(function* () {
  const ch = yield* ClickHouse
  const files = (yield* Effect.promise(() => readdir(migrationsDir))).filter((f) => f.endsWith(".sql")).sort()
  for (const file of files) {
    const text = yield* Effect.promise(() => readFile(join(migrationsDir, file), "utf8"))
    for (const statement of splitStatements(text)) yield* ch.command(statement)
  }
})

/** A ClickHouse string literal: backslashes and quotes escaped, so any text is safe inside the SQL. */
export const quote = (value: string): string => `'${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`

/** ClickHouse `DateTime` text (UTC, second precision) for JSONEachRow inserts. */
export const toDateTime = (iso: string | Date): string =>
  (typeof iso === "string" ? iso : iso.toISOString()).slice(0, 19).replace("T", " ")

export const layer = (settings: ClickHouseSettings) => Layer.scoped(ClickHouse, make(settings))

export const layerConfig = Layer.scoped(
  ClickHouse,
  Effect.flatMap(
    Config.all({
      url: Config.string("JOBSTREAM_CLICKHOUSE_URL").pipe(Config.withDefault("http://127.0.0.1:18123")),
      database: Config.string("JOBSTREAM_CLICKHOUSE_DATABASE").pipe(Config.withDefault("jobstream")),
      username: Config.string("JOBSTREAM_CLICKHOUSE_USER").pipe(Config.withDefault("default")),
      password: Config.redacted("JOBSTREAM_CLICKHOUSE_PASSWORD").pipe(Config.withDefault(Redacted.make(""))),
      readTimeout: Config.duration("JOBSTREAM_CLICKHOUSE_READ_TIMEOUT").pipe(Config.withDefault(defaultTimeouts.read)),
      writeTimeout: Config.duration("JOBSTREAM_CLICKHOUSE_WRITE_TIMEOUT").pipe(Config.withDefault(defaultTimeouts.write))
    }),
    make
  )
)

const splitStatements = (text: string) =>
  text
    .split(/;\s*$/m)
    .map((s) => s.replace(/^\s*--.*$/gm, "").trim())
    .filter((s) => s.length > 0)

const codeOf = (cause: unknown): number | undefined => {
  const match = /Code: (\d+)/.exec(cause instanceof Error ? cause.message : String(cause))
  return match ? Number(match[1]) : undefined
}
