import { readdir, readFile } from "node:fs/promises"
import { join } from "node:path"
import { createClient, type ClickHouseClient as Client } from "@clickhouse/client"
import { Config, Context, Data, Effect, Layer, Redacted } from "effect"

/**
 * A failure talking to ClickHouse. ClickHouse 18.16's error bodies do not match the client's parser, so the
 * server's `Code: N` is read from the message.
 */
export class ClickHouseError extends Data.TaggedError("ClickHouseError")<{
  readonly operation: string
  readonly code: number | undefined
  readonly cause: unknown
}> {
  override get message() {
    return `ClickHouse ${this.operation} failed: ${this.cause instanceof Error ? this.cause.message : String(this.cause)}`
  }
}

export class ClickHouse extends Context.Tag("jobstream/ClickHouse")<
  ClickHouse,
  {
    /** One INSERT of all rows (JSONEachRow). Never call it per row. */
    readonly insert: (table: string, rows: ReadonlyArray<object>) => Effect.Effect<void, ClickHouseError>
    /**
     * Runs a SELECT. This server has no query parameters: every user value in `sql` must have gone through
     * `quote` or been validated against a closed set first.
     */
    readonly query: <R>(sql: string) => Effect.Effect<Array<R>, ClickHouseError>
    readonly command: (sql: string) => Effect.Effect<void, ClickHouseError>
    readonly ping: Effect.Effect<string, ClickHouseError>
  }
>() {}

export interface ClickHouseSettings {
  readonly url: string
  readonly database: string
  readonly username: string
  readonly password: Redacted.Redacted<string>
}

const migrationsDir = join(import.meta.dirname, "migrations", "clickhouse")

export const make = (settings: ClickHouseSettings) =>
  Effect.gen(function* () {
    const client: Client = yield* Effect.acquireRelease(
      Effect.sync(() =>
        createClient({
          url: settings.url,
          database: settings.database,
          username: settings.username,
          password: Redacted.value(settings.password),
          request_timeout: 60_000
        })
      ),
      (c) => Effect.promise(() => c.close())
    )
    const attempt = <A>(operation: string, f: () => Promise<A>) =>
      Effect.tryPromise({ try: f, catch: (cause) => new ClickHouseError({ operation, code: codeOf(cause), cause }) })

    return ClickHouse.of({
      insert: (table, rows) =>
        rows.length === 0
          ? Effect.void
          : attempt(`insert into ${table}`, () =>
              client.insert({ table, values: rows as Array<object>, format: "JSONEachRow" })
            ).pipe(Effect.asVoid),
      query: <R>(sql: string) =>
        attempt("query", async () => {
          const rs = await client.query({ query: sql, format: "JSONEachRow" })
          return rs.json<R>()
        }),
      command: (sql) => attempt("command", () => client.command({ query: sql })).pipe(Effect.asVoid),
      ping: attempt("ping", async () => {
        const rs = await client.query({ query: "SELECT version() AS v", format: "JSONEachRow" })
        const [row] = await rs.json<{ v: string }>()
        return row?.v ?? "unknown"
      })
    })
  })

/** Runs every statement of `sinks/migrations/clickhouse/*.sql`; they are written to be re-runnable. */
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
      password: Config.redacted("JOBSTREAM_CLICKHOUSE_PASSWORD").pipe(Config.withDefault(Redacted.make("")))
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
