import { Data, Effect, ParseResult, Schema } from "effect"
import type { ApiError } from "../schemas/Api.js"

/** A request the API refuses as it stands (400): the message says what to change. */
export class BadRequest extends Data.TaggedError("BadRequest")<{ readonly message: string }> {}
/** A valid key asking for someone else's data (403). */
export class Forbidden extends Data.TaggedError("Forbidden")<{ readonly message: string }> {}

/**
 * The status of every failure the API answers with its own status, by tag: the one place statuses come from.
 * A tag missing here is a 500, whatever fields the error carries.
 */
export const statusOf: Readonly<Record<string, number>> = {
  BadRequest: 400,
  Unauthorized: 401,
  ResumeRejected: 400,
  InvalidCursor: 400,
  Forbidden: 403,
  KpiNotFound: 404,
  JobNotFound: 404,
  PdfTooManyPages: 413,
  PdfUnreadable: 422,
  ApplicationNotFound: 404,
  InvalidTransition: 409,
  StatusConflict: 409,
  UnknownJob: 422,
  StaffNotFound: 404,
  TaskNotFound: 404,
  ResumeNotFound: 404,
  SeekerNotFound: 404,
  TaskConflict: 409,
  NoMatch: 404,
  ApprovalNotFound: 404,
  TooManyRequests: 429,
  // A row that does not match its schema is our code disagreeing with our database: no retry or outage mends it.
  RowDecodeError: 500,
  PostgresError: 503,
  ClickHouseError: 503,
  KafkaError: 503,
  EmbedderError: 503,
  PdfBusy: 503
}

/**
 * What a 503 tells the client: which dependency is down, and nothing of its message, which can quote SQL or the
 * request's own values. The log keeps the whole cause.
 */
const unavailable: Readonly<Record<string, { readonly dependency: string; readonly message: string }>> = {
  PostgresError: { dependency: "postgres", message: "PostgreSQL is unavailable" },
  ClickHouseError: { dependency: "clickhouse", message: "ClickHouse is unavailable" },
  KafkaError: { dependency: "kafka", message: "Kafka is unavailable" },
  EmbedderError: { dependency: "embedder", message: "the embedding model is unavailable" },
  PdfBusy: { dependency: "pdf-reader", message: "every PDF reader is busy: try the upload again in a minute" }
}

/** For a 503 whose tag `unavailable` lacks: still an outage, still nothing of its message. */
const someDependency = { dependency: "unknown", message: "a service this request needs is unavailable" }

/** An answer to a failed request, and whether the failure belongs in the log (and at what level). */
export interface ErrorReply {
  readonly status: number
  readonly body: typeof ApiError.Type
  readonly log: "error" | "warning" | null
}

/**
 * How the API answers a failure: typed failures by `statusOf`; fastify's own refusals (validation, a body too
 * large or of a type no parser takes, malformed JSON) with their 4xx status; anything else is a 500 that says
 * nothing. A PostgreSQL data exception (SQLSTATE class 22: a value of the wrong form, a date out of range, a
 * character the encoding lacks) can only come from a value the client sent, so it is a 400; the schemas should
 * have refused the value first, hence the warning.
 */
export const replyFor = (error: unknown): ErrorReply => {
  const fields = typeof error === "object" && error !== null ? (error as Record<string, unknown>) : {}
  const message = error instanceof Error ? error.message : String(error)
  const tag = typeof fields._tag === "string" ? fields._tag : undefined
  if (tag === "PostgresError" && typeof fields.code === "string" && fields.code.startsWith("22"))
    return { status: 400, body: { error: "bad_request", message: "a value in the request is not valid" }, log: "warning" }
  const status = tag === undefined ? fastifyStatus(fields) : statusOf[tag]
  if (status === 503) return { status, body: { error: "unavailable", ...(unavailable[tag ?? ""] ?? someDependency) }, log: "error" }
  if (status === undefined || status >= 500)
    return { status: 500, body: { error: "internal", message: "internal error" }, log: "error" }
  return { status, body: { error: tag ?? (typeof fields.code === "string" ? fields.code : "bad_request"), message }, log: null }
}

/** Fastify's refusals carry their 4xx `statusCode` (validation errors also `validation`); nothing else counts. */
const fastifyStatus = (fields: Record<string, unknown>): number | undefined => {
  if ("validation" in fields) return 400
  const status = fields.statusCode
  return typeof status === "number" && status >= 400 && status < 500 ? status : undefined
}

/** Decodes a request part with its schema; a failure is a 400 naming each invalid field. */
export const decodeOr400 = <A, I>(schema: Schema.Schema<A, I>, input: unknown) =>
  Schema.decodeUnknown(schema)(input).pipe(Effect.mapError((e) => new BadRequest({ message: describeIssues(e) })))

/** One clause per invalid field: `limit: Expected a number between 1 and 100, actual "500"`. */
const describeIssues = (error: ParseResult.ParseError) =>
  ParseResult.ArrayFormatter.formatErrorSync(error)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join(".") : "body"}: ${issue.message}`)
    .join("; ")
