import { ConfigProvider, Context, Duration, Effect, Either, Layer, Redacted } from "effect"
import { describe, expect, it } from "vitest"
import * as ClickHouse from "./ClickHouse.js"
import { hungServer } from "./testServers.js"

const stack = {
  url: process.env.JOBSTREAM_CLICKHOUSE_URL ?? "http://127.0.0.1:18123",
  database: process.env.JOBSTREAM_TEST_CLICKHOUSE_DATABASE ?? "jobstream_test",
  username: "default",
  password: Redacted.make("")
}

const timed = <A, E>(effect: Effect.Effect<A, E>) =>
  Effect.map(Effect.timed(Effect.either(effect)), ([duration, result]) => ({ ms: Duration.toMillis(duration), result }))

/** The failure of `result`, checked to be a ClickHouseError that says it timed out. */
const timedOut = (result: Either.Either<unknown, unknown>) => {
  const error = Either.isLeft(result) ? result.left : undefined
  expect(error).toBeInstanceOf(ClickHouse.ClickHouseError)
  const { operation, timeout, message } = error as ClickHouse.ClickHouseError
  expect(message).toMatch(/^ClickHouse .+ timed out: no answer within/)
  return { operation, limitMs: timeout === undefined ? undefined : Duration.toMillis(timeout) }
}

describe("ClickHouse calls have time limits", () => {
  it("still reads, writes and pings on the real stack", () =>
    Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const ch = yield* ClickHouse.make(stack)
          expect(yield* ch.ping).toMatch(/^\d+\.\d+/)
          const table = `timeouts_probe_${process.pid}`
          yield* ch.command(`CREATE TABLE IF NOT EXISTS ${table} (n UInt32) ENGINE = Memory`)
          yield* Effect.ensuring(
            Effect.gen(function* () {
              yield* ch.insert(table, [{ n: 1 }, { n: 2 }])
              expect(yield* ch.query<{ total: string }>(`SELECT toString(sum(n)) AS total FROM ${table}`)).toEqual([{ total: "3" }])
            }),
            Effect.ignore(ch.command(`DROP TABLE IF EXISTS ${table}`))
          )
        })
      )
    ))

  it("stops a read that runs over its limit on the real server", () =>
    Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const ch = yield* ClickHouse.make({ ...stack, readTimeout: "1 second" })
          const { ms, result } = yield* timed(ch.query("SELECT sleep(2) AS slept"))
          expect(Either.isLeft(result)).toBe(true)
          expect(ms).toBeLessThan(1_400)
          // The server is still there for the next call.
          expect(yield* ch.query("SELECT 1 AS one")).toEqual([{ one: 1 }])
        })
      )
    ))

  it("fails every call to a server that accepts and never answers within its limit", () =>
    Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const hung = yield* hungServer
          const ch = yield* ClickHouse.make({
            ...stack,
            url: `http://127.0.0.1:${hung.port}`,
            readTimeout: "600 millis",
            writeTimeout: "1200 millis"
          })
          const cases = [
            { call: ch.query("SELECT 1"), operation: "query", limitMs: 600 },
            { call: ch.ping, operation: "ping", limitMs: 600 },
            { call: ch.query("SELECT 1", { timeout: "300 millis" }), operation: "query", limitMs: 300 },
            { call: ch.insert("t", [{ n: 1 }]), operation: "insert into t", limitMs: 1_200 },
            { call: ch.command("SELECT 1"), operation: "command", limitMs: 1_200 }
          ]
          for (const { call, operation, limitMs } of cases) {
            const { ms, result } = yield* timed(call as Effect.Effect<unknown, ClickHouse.ClickHouseError>)
            expect(timedOut(result)).toEqual({ operation, limitMs })
            expect(ms).toBeGreaterThanOrEqual(limitMs - 20)
            expect(ms).toBeLessThan(limitMs + 300)
          }
        })
      )
    ))

  it("reads its limits from the configuration, a few seconds for reads by default", () =>
    Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const hung = yield* hungServer
          const config = ConfigProvider.fromMap(new Map([["JOBSTREAM_CLICKHOUSE_URL", `http://127.0.0.1:${hung.port}`]]))
          const layer = ClickHouse.layerConfig.pipe(Layer.provide(Layer.setConfigProvider(config)))
          const ch = Context.get(yield* Layer.build(layer), ClickHouse.ClickHouse)
          const { ms, result } = yield* timed(ch.query("SELECT 1"))
          expect(timedOut(result)).toEqual({ operation: "query", limitMs: Duration.toMillis(ClickHouse.defaultTimeouts.read) })
          expect(ms).toBeLessThan(Duration.toMillis(ClickHouse.defaultTimeouts.read) + 300)
        })
      )
    ))
})
