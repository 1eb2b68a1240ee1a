import { ConfigProvider, Context, Duration, Effect, Either, Layer, Redacted, Schema } from "effect"
import { describe, expect, it } from "vitest"
import * as Postgres from "./Postgres.js"
import { freezableProxy, hungServer } from "./testServers.js"

const testDb = process.env.JOBSTREAM_TEST_PG_URL ?? "postgres://jobstream@127.0.0.1:15432/jobstream_test"
const stackPort = Number(new URL(testDb).port)
const on = (port: number) => Redacted.make(`postgres://jobstream@127.0.0.1:${port}${new URL(testDb).pathname}`)

/** Runs `f` with a Postgres service over `settings`, closing it after. */
const withDb = <A, E>(settings: Postgres.PostgresSettings, f: (db: Postgres.Postgres["Type"]) => Effect.Effect<A, E>) =>
  Effect.runPromise(Effect.scoped(Effect.flatMap(Postgres.make(settings), f)))

/** How long `effect` took, and how it ended. */
const timed = <A, E>(effect: Effect.Effect<A, E>) =>
  Effect.map(Effect.timed(Effect.either(effect)), ([duration, result]) => ({ ms: Duration.toMillis(duration), result }))

const failure = <E>(result: Either.Either<unknown, E>): E | undefined => (Either.isLeft(result) ? result.left : undefined)

/** The failure of `result`, checked to be a PostgresError that says it timed out. */
const timedOut = (result: Either.Either<unknown, unknown>) => {
  const error = failure(result)
  expect(error).toBeInstanceOf(Postgres.PostgresError)
  const timeout = (error as Postgres.PostgresError).timeout
  expect(timeout).toBeDefined()
  expect((error as Postgres.PostgresError).message).toMatch(/^PostgreSQL .+ timed out: no answer within/)
  return { operation: (error as Postgres.PostgresError).operation, limitMs: Duration.toMillis(timeout!) }
}

const pid = (db: Postgres.Sql) => Effect.map(db.query<{ pid: number }>("SELECT pg_backend_pid() AS pid"), ([row]) => row!.pid)

describe("PostgreSQL calls have time limits", () => {
  it("survives its server ending a connection that sits checked out between statements, and goes on", () =>
    withDb({ url: on(stackPort), maxConnections: 1 }, (db) =>
      Effect.scoped(Effect.gen(function* () {
        // The connection is held inside a transaction, waiting on something else (as the outbox relay waits on
        // Kafka), when the server terminates it: pg emits 'error' on the client, which must not end the process.
        const killer = yield* Postgres.make({ url: on(stackPort), maxConnections: 1 })
        const failed = yield* Effect.either(
          db.transaction((tx) =>
            Effect.gen(function* () {
              const [row] = yield* tx.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")
              yield* killer.query("SELECT pg_terminate_backend($1)", [row!.pid])
              yield* Effect.sleep("200 millis")
              return yield* tx.query("SELECT 1")
            })
          )
        )
        expect(failure(failed)).toBeInstanceOf(Postgres.PostgresError)
        expect(yield* db.query<{ n: number }>("SELECT 1 AS n")).toEqual([{ n: 1 }])
      }))
    ))

  it("still runs statements and transactions on the real stack, and keeps a connection that got a SQL error", () =>
    withDb({ url: on(stackPort), maxConnections: 1 }, (db) =>
      Effect.gen(function* () {
        expect(yield* db.query<{ n: number }>("SELECT $1::int + 1 AS n", [41])).toEqual([{ n: 42 }])
        const rows = yield* db.transaction((tx) =>
          Effect.gen(function* () {
            yield* tx.query("CREATE TEMP TABLE probe (n int) ON COMMIT DROP")
            yield* tx.query("INSERT INTO probe VALUES ($1), ($2)", [1, 2])
            return yield* tx.query<{ total: string }>("SELECT sum(n) AS total FROM probe")
          })
        )
        expect(rows).toEqual([{ total: "3" }])
        const before = yield* pid(db)
        const failed = yield* Effect.either(db.query("SELECT 1 / 0"))
        expect(failure(failed)?.code).toBe("22012")
        expect(yield* pid(db)).toBe(before)
      })
    ))

  it("fails a call to a server that accepts and never answers within the connect limit", () =>
    Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const hung = yield* hungServer
          const db = yield* Postgres.make({ url: on(hung.port), maxConnections: 2, connectTimeout: "1 second" })
          for (const call of [db.query("SELECT 1"), db.transaction((tx) => tx.query("SELECT 1"))]) {
            const { ms, result } = yield* timed(call)
            expect(timedOut(result).operation).toBe("connect")
            expect(ms).toBeGreaterThanOrEqual(950)
            expect(ms).toBeLessThan(1_400)
          }
        })
      )
    ))

  it("lets a caller with a shorter limit of its own go at once, in a transaction's connect too", () =>
    Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const hung = yield* hungServer
          const db = yield* Postgres.make({ url: on(hung.port), maxConnections: 1 })
          for (const call of [db.query("SELECT 1"), db.transaction((tx) => tx.query("SELECT 1"))]) {
            const { ms, result } = yield* timed(call.pipe(Effect.timeout("200 millis")))
            expect(Either.isLeft(result)).toBe(true)
            expect(ms).toBeLessThan(400)
          }
        })
      )
    ))

  it("fails a statement on a connection whose server froze by the call's limit, and replaces that connection", () =>
    Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const proxy = yield* freezableProxy(stackPort)
          const db = yield* Postgres.make({
            url: on(proxy.port),
            maxConnections: 1,
            queryTimeout: "1500 millis",
            requestTimeout: "700 millis"
          })
          const cases = [
            { call: db.query("SELECT 1"), operation: "SELECT 1", limitMs: 1_500 },
            { call: Postgres.forRequest(db.query("SELECT 1")), operation: "SELECT 1", limitMs: 700 },
            { call: db.query("SELECT 1", [], { timeout: "300 millis" }), operation: "SELECT 1", limitMs: 300 },
            { call: db.transaction((tx) => tx.query("SELECT 1")), operation: "BEGIN", limitMs: 1_500 },
            { call: Postgres.forRequest(db.transaction((tx) => tx.query("SELECT 1"))), operation: "BEGIN", limitMs: 700 }
          ]
          for (const { call, operation, limitMs } of cases) {
            proxy.thaw()
            const connection = yield* pid(db)
            proxy.freeze()
            const { ms, result } = yield* timed(call)
            expect(timedOut(result)).toEqual({ operation, limitMs })
            expect(ms).toBeGreaterThanOrEqual(limitMs - 20)
            expect(ms).toBeLessThan(limitMs + 300)
            proxy.thaw()
            // Closed, not handed to the next caller mid-statement.
            expect(yield* pid(db)).not.toBe(connection)
          }
        })
      )
    ))

  it("lets the server cancel a statement over the statement limit and keeps the connection", () =>
    withDb({ url: on(stackPort), maxConnections: 1, statementTimeout: "300 millis" }, (db) =>
      Effect.gen(function* () {
        const before = yield* pid(db)
        const { ms, result } = yield* timed(db.query("SELECT pg_sleep(5)"))
        expect(failure(result)?.code).toBe("57014")
        expect(ms).toBeLessThan(1_500)
        expect(yield* pid(db)).toBe(before)
      })
    ))

  it("applies migrations beyond the statement and query limits (waiting for another process's migration lock)", () =>
    withDb({ url: on(stackPort), maxConnections: 2, statementTimeout: "300 millis", queryTimeout: "500 millis" }, (db) =>
      Effect.gen(function* () {
        const holder = db.transaction((tx) =>
          tx.query("SELECT pg_advisory_xact_lock(4242001)").pipe(Effect.zipRight(Effect.sleep("1500 millis")))
        )
        const [, migration] = yield* Effect.all(
          [holder, Effect.sleep("100 millis").pipe(Effect.zipRight(timed(Postgres.migrate.pipe(Effect.provideService(Postgres.Postgres, db)))))],
          { concurrency: 2 }
        )
        expect(Either.isRight(migration.result)).toBe(true)
        expect(migration.ms).toBeGreaterThan(1_000)
      })
    ))

  it("reads its limits from the configuration", () =>
    Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const hung = yield* hungServer
          const config = ConfigProvider.fromMap(
            new Map([
              ["JOBSTREAM_PG_URL", `postgres://nobody@127.0.0.1:${hung.port}/none`],
              ["JOBSTREAM_PG_CONNECT_TIMEOUT", "600 millis"]
            ])
          )
          const layer = Postgres.layerConfig.pipe(Layer.provide(Layer.setConfigProvider(config)))
          const db = Context.get(yield* Layer.build(layer), Postgres.Postgres)
          const { ms, result } = yield* timed(db.query("SELECT 1"))
          expect(timedOut(result)).toEqual({ operation: "connect", limitMs: 600 })
          expect(ms).toBeLessThan(1_000)
        })
      )
    ))
})

describe("rows are decoded by their statement's schema", () => {
  const Probe = Schema.Struct({ n: Schema.Number, at: Schema.DateFromSelf, tags: Schema.Array(Schema.String) })

  it("gives each row as its schema decodes it, on the pool and in a transaction", () =>
    withDb({ url: on(stackPort), maxConnections: 1 }, (db) =>
      Effect.gen(function* () {
        const select = "SELECT n, timestamptz '2025-04-01 08:00Z' AS at, ARRAY['a', 'b'] AS tags FROM generate_series(1, 2) AS n"
        const expected = [1, 2].map((n) => ({ n, at: new Date("2025-04-01T08:00:00Z"), tags: ["a", "b"] }))
        expect(yield* db.rows(Probe, select)).toEqual(expected)
        expect(yield* db.transaction((tx) => tx.rows(Probe, select))).toEqual(expected)
      })
    ))

  it("prepares a statement asked to be once per connection and binds it again with other values", () =>
    withDb({ url: on(stackPort), maxConnections: 1 }, (db) =>
      Effect.gen(function* () {
        const select = "SELECT n FROM generate_series(1, $1::int) AS n WHERE n > $2::int"
        const N = Schema.Struct({ n: Schema.Number })
        expect(yield* db.rows(N, select, [3, 1], { prepare: true })).toEqual([{ n: 2 }, { n: 3 }])
        expect(yield* db.rows(N, select, [4, 2], { prepare: true })).toEqual([{ n: 3 }, { n: 4 }])
        // One connection: both calls used the same statement, prepared on it once.
        const prepared = yield* db.query<{ n: string }>("SELECT count(*) AS n FROM pg_prepared_statements WHERE statement = $1", [select])
        expect(prepared).toEqual([{ n: "1" }])
      })
    ))

  it("fails a row that does not match with a RowDecodeError naming the statement, row and column, not the value", () =>
    withDb({ url: on(stackPort), maxConnections: 1 }, (db) =>
      Effect.gen(function* () {
        const failed = (effect: Effect.Effect<unknown, unknown>) =>
          Effect.map(Effect.either(effect), (result) => {
            const error = failure(result)
            expect(error).toBeInstanceOf(Postgres.RowDecodeError)
            const { operation, row, column, issue, message } = error as Postgres.RowDecodeError
            return { operation, row, column, issue, message }
          })
        // count(*) is a bigint, which pg gives as a string: a schema that says number is wrong, and now says so.
        expect(yield* failed(db.rows(Schema.Struct({ n: Schema.Number }), "SELECT count(*) AS n FROM generate_series(1, 3)"))).toEqual({
          operation: "SELECT count(*) AS",
          row: 0,
          column: "n",
          issue: "expected number, found string",
          message: "PostgreSQL SELECT count(*) AS: row 0, column n: expected number, found string"
        })
        expect(
          yield* failed(db.rows(Schema.Struct({ n: Schema.Number }), "SELECT * FROM (VALUES (1), (NULL)) AS t(n)"))
        ).toMatchObject({ row: 1, column: "n", issue: "expected number, found null" })
        expect(yield* failed(db.rows(Probe, "SELECT 1 AS n, now() AS at"))).toMatchObject({ row: 0, column: "tags", issue: "missing" })
        const secret = yield* failed(db.rows(Schema.Struct({ key: Schema.Number }), "SELECT $1::text AS key", ["jsk_secret"]))
        expect(secret).toMatchObject({ column: "key", issue: "expected number, found string" })
        expect(JSON.stringify(secret)).not.toContain("jsk_secret")
        // In a transaction the failure is the transaction's, which rolls back (a temporary table of the pool's one
        // connection: other test files reset the schema meanwhile).
        yield* db.query("CREATE TEMP TABLE row_decode_probe (n int)")
        const inTransaction = yield* failed(
          db.transaction((tx) =>
            Effect.zipRight(
              tx.query("INSERT INTO row_decode_probe VALUES (1)"),
              tx.rows(Schema.Struct({ n: Schema.String }), "SELECT n FROM row_decode_probe")
            )
          )
        )
        expect(inTransaction).toMatchObject({ operation: "SELECT n FROM", column: "n", issue: "expected string, found number" })
        expect(yield* db.rows(Schema.Struct({ n: Schema.NumberFromString }), "SELECT count(*) AS n FROM row_decode_probe")).toEqual([{ n: 0 }])
      })
    ))
})
