import { Data, Effect, ParseResult, Schema } from "effect"

/** A request the API refuses as it stands (400): the message says what to change. */
export class BadRequest extends Data.TaggedError("BadRequest")<{ readonly message: string }> {}
/** No API key, or one that belongs to nobody (401). */
export class Unauthorized extends Data.TaggedError("Unauthorized")<{ readonly message: string }> {}
/** A valid key asking for someone else's data (403). */
export class Forbidden extends Data.TaggedError("Forbidden")<{ readonly message: string }> {}

export const statusOf: Record<string, number> = {
  BadRequest: 400,
  Unauthorized: 401,
  Forbidden: 403,
  KpiNotFound: 404,
  JobNotFound: 404,
  PdfTooManyPages: 413,
  PdfUnreadable: 422,
  PostgresError: 503,
  ClickHouseError: 503,
  KafkaError: 503,
  EmbedderError: 503,
  PdfBusy: 503
}

/** Decodes a request part with its schema; a failure is a 400 naming each invalid field. */
export const decodeOr400 = <A, I>(schema: Schema.Schema<A, I>, input: unknown) =>
  Schema.decodeUnknown(schema)(input).pipe(Effect.mapError((e) => new BadRequest({ message: describeIssues(e) })))

/** One clause per invalid field: `limit: Expected a number between 1 and 100, actual "500"`. */
const describeIssues = (error: ParseResult.ParseError) =>
  ParseResult.ArrayFormatter.formatErrorSync(error)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join(".") : "body"}: ${issue.message}`)
    .join("; ")
