import { Data } from "effect"
import { describe, expect, it } from "vitest"
import { ClickHouseError } from "../stack/ClickHouse.js"
import { PostgresError, RowDecodeError } from "../stack/Postgres.js"
import { ApplicationNotFound, UnknownJob } from "./Applications.js"
import { BadRequest, replyFor, statusOf } from "./httpErrors.js"
import { KafkaError } from "../stack/kafkaCalls.js"

const pgError = (code: string | undefined, message: string) =>
  new PostgresError({ operation: "SELECT job_id, source", code, cause: Object.assign(new Error(message), { code }) })

describe("replyFor: one table of statuses, and nothing of a dependency's message in a body", () => {
  it.each([
    ["22P02", 'invalid input syntax for type date: "2024-02-30"'],
    ["22008", 'date/time field value out of range: "0000-01-01"'],
    ["22021", 'invalid byte sequence for encoding "UTF8": 0x00'],
    ["22P05", "unsupported Unicode escape sequence"]
  ])("answers a PostgreSQL data exception (%s) with a generic 400, and asks for a warning", (code, message) => {
    expect(replyFor(pgError(code, message))).toEqual({
      status: 400,
      body: { error: "bad_request", message: "a value in the request is not valid" },
      log: "warning"
    })
  })

  it.each([
    [pgError("57014", "canceling statement due to statement timeout"), "postgres", "PostgreSQL is unavailable"],
    [pgError(undefined, "connect ECONNREFUSED 127.0.0.1:15432"), "postgres", "PostgreSQL is unavailable"],
    [new ClickHouseError({ operation: "query", code: 60, cause: new Error("Code: 60. Table jobstream.pipeline_events does not exist") }), "clickhouse", "ClickHouse is unavailable"],
    [new KafkaError({ operation: "send", cause: new Error("broker 127.0.0.1:19092 unreachable") }), "kafka", "Kafka is unavailable"]
  ])("answers an outage with 503 naming the dependency only (%#)", (error, dependency, message) => {
    expect(replyFor(error)).toEqual({ status: 503, body: { error: "unavailable", message, dependency }, log: "error" })
  })

  it("answers a 503 tag the table names no dependency for with a generic outage, not a 500", () => {
    const busy = Object.assign(new Error("worker 3 of 2 is stuck at SELECT"), { _tag: "PdfBusy" })
    expect(statusOf.PdfBusy).toBe(503)
    expect(replyFor(busy).status).toBe(503)
    expect(JSON.stringify(replyFor(busy).body)).not.toMatch(/SELECT|worker/)
  })

  it("answers the domain's refusals by their tag, with their own message", () => {
    expect(replyFor(new BadRequest({ message: "limit: Expected a number between 1 and 100" }))).toEqual({
      status: 400,
      body: { error: "BadRequest", message: "limit: Expected a number between 1 and 100" },
      log: null
    })
    expect(replyFor(new ApplicationNotFound({ applicationId: "a1" }))).toMatchObject({ status: 404, body: { error: "ApplicationNotFound" } })
    expect(replyFor(new UnknownJob({ jobId: "0".repeat(32) }))).toMatchObject({ status: 422, body: { error: "UnknownJob" } })
  })

  it("reads no status from a tagged error's own fields: a tag the table lacks is a bare 500", () => {
    class Teapot extends Data.TaggedError("Teapot")<{ readonly message: string }> {
      readonly statusCode = 418
    }
    expect(replyFor(new Teapot({ message: "SELECT secret FROM keys" }))).toEqual({
      status: 500,
      body: { error: "internal", message: "internal error" },
      log: "error"
    })
  })

  it("keeps fastify's own refusals (validation, body too large, media type, malformed JSON) at their status", () => {
    const validation = Object.assign(new Error("body/name must match pattern"), { validation: [], statusCode: 400, code: "FST_ERR_VALIDATION" })
    const tooLarge = Object.assign(new Error("Request body is too large"), { statusCode: 413, code: "FST_ERR_CTP_BODY_TOO_LARGE" })
    const mediaType = Object.assign(new Error("Unsupported Media Type: application/xml"), { statusCode: 415, code: "FST_ERR_CTP_INVALID_MEDIA_TYPE" })
    const json = Object.assign(new SyntaxError("Unexpected end of JSON input"), { statusCode: 400 })
    expect(replyFor(validation)).toMatchObject({ status: 400, body: { error: "FST_ERR_VALIDATION", message: "body/name must match pattern" } })
    expect(replyFor(tooLarge)).toMatchObject({ status: 413, body: { error: "FST_ERR_CTP_BODY_TOO_LARGE" }, log: null })
    expect(replyFor(mediaType)).toMatchObject({ status: 415, body: { error: "FST_ERR_CTP_INVALID_MEDIA_TYPE" } })
    expect(replyFor(json)).toMatchObject({ status: 400, body: { error: "bad_request", message: "Unexpected end of JSON input" } })
  })

  it("answers a row that does not match its schema with a bare 500: our bug, not an outage nor the client's", () => {
    const error = new RowDecodeError({ operation: "SELECT m.job_id, j.title,", row: 3, column: "score", issue: "expected number, found string" })
    expect(statusOf.RowDecodeError).toBe(500)
    expect(replyFor(error)).toEqual({ status: 500, body: { error: "internal", message: "internal error" }, log: "error" })
  })

  it("answers anything else, a 5xx statusCode included, with a bare 500", () => {
    for (const error of [
      new Error("relation \"jobs\" does not exist"),
      Object.assign(new Error("upstream said SELECT 1"), { statusCode: 502 }),
      "a string thrown",
      undefined
    ])
      expect(replyFor(error)).toEqual({ status: 500, body: { error: "internal", message: "internal error" }, log: "error" })
  })
})
