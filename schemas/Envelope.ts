import { createHash } from "node:crypto"
import { Data, Either, ParseResult, Schema } from "effect"
import { Duplicate, Job } from "./Job.js"
import { PostingLifecycle } from "./Lifecycle.js"
import { RawPosting } from "./RawPosting.js"
import { ApplicationEventsTopic } from "./Application.js"
import { ApprovedApplicationsTopic, ReviewEventsTopic } from "./Review.js"
import { Match, SeekerEvent } from "./Seeker.js"

/**
 * The Kafka wire format. Every message is JSON of one schema; its headers say which:
 * `content-type`, `schema-name`, `schema-version`, `event-id` (deterministic, so a replay carries the same id and
 * idempotent sinks drop it) and `produced-at`. Consumers must check `schema-name` and `schema-version`.
 */
export interface TopicDef<A, I> {
  readonly name: string
  readonly partitions: number
  readonly schema: Schema.Schema<A, I>
  readonly schemaName: string
  readonly schemaVersion: number
  readonly key: (value: A) => string
  readonly eventId: (value: A) => string
  readonly config?: Readonly<Record<string, string>>
}

/** A message to publish. Headers are UTF-8 strings. */
export interface Envelope {
  readonly topic: string
  readonly key: string | null
  readonly value: Buffer
  readonly headers: Readonly<Record<string, string>>
}

/** A message as read back, whatever its topic, with the position needed to commit past it. */
export interface Received {
  readonly topic: string
  readonly partition: number
  readonly offset: number
  readonly key: string | null
  readonly value: Buffer
  readonly headers: Readonly<Record<string, string>>
  /** When the broker or its producer stamped it, in epoch milliseconds, when the broker says. */
  readonly timestamp?: number | undefined
}

export const Headers = {
  contentType: "content-type",
  schemaName: "schema-name",
  schemaVersion: "schema-version",
  eventId: "event-id",
  producedAt: "produced-at"
} as const

/** A message that cannot be read as its topic's schema: it belongs on the dead-letter topic, never retried. */
export class DecodeError extends Data.TaggedError("DecodeError")<{ readonly topic: string; readonly reason: string }> {
  override get message() {
    return `cannot decode a message of ${this.topic}: ${this.reason}`
  }
}

export const hashId = (...parts: ReadonlyArray<string>): string =>
  createHash("sha256").update(parts.join("\u0000")).digest("hex").slice(0, 32)

const topic = <A, I>(def: TopicDef<A, I>) => def

export const Topics = {
  raw: topic({
    name: "jobs.raw",
    partitions: 3,
    schema: RawPosting,
    schemaName: "jobstream.RawPosting",
    schemaVersion: 1,
    key: (p) => `${p.source}:${p.externalId}`,
    eventId: (p) => hashId("raw", p.source, p.externalId, p.contentHash)
  }),
  lifecycle: topic({
    name: "jobs.lifecycle",
    partitions: 3,
    schema: PostingLifecycle,
    schemaName: "jobstream.PostingLifecycle",
    schemaVersion: 1,
    key: (e) => e.jobId,
    // \`since\` pins the event to one closing (or reopening): a connector that resends it after a crash sends the same id.
    eventId: (e) => hashId("lifecycle", e.source, e.externalId, e.status, e.since)
  }),
  normalized: topic({
    name: "jobs.normalized",
    partitions: 3,
    schema: Job,
    schemaName: "jobstream.Job",
    schemaVersion: 1,
    // Keyed by company so every posting that could duplicate another lands in the same partition.
    key: (j) => j.companyKey,
    eventId: (j) => hashId("normalized", j.jobId, j.contentHash)
  }),
  unique: topic({
    name: "jobs.unique",
    partitions: 3,
    schema: Job,
    schemaName: "jobstream.Job",
    schemaVersion: 1,
    key: (j) => j.jobId,
    eventId: (j) => hashId("unique", j.jobId, j.contentHash)
  }),
  duplicates: topic({
    name: "jobs.duplicates",
    partitions: 3,
    schema: Duplicate,
    schemaName: "jobstream.Duplicate",
    schemaVersion: 2,
    key: (d) => d.duplicateOf,
    eventId: (d) => hashId("duplicate", d.jobId, d.duplicateOf)
  }),
  seekerEvents: topic({
    name: "seekers.events",
    partitions: 3,
    schema: SeekerEvent,
    schemaName: "jobstream.SeekerEvent",
    // 2: the `seeker_erased` type, which a version 1 reader would refuse.
    schemaVersion: 2,
    key: (e) => e.seekerId,
    eventId: (e) => e.eventId
  }),
  scored: topic({
    name: "jobs.scored",
    partitions: 3,
    schema: Match,
    schemaName: "jobstream.Match",
    schemaVersion: 1,
    key: (m) => m.jobId,
    // A function of the inputs, not of the result: a replayed job scored again for the same seeker state carries
    // the same id although the rest of the corpus (BM25's statistics) moved its score; a new version of the job, a
    // new resume or preferences, or another model, a new id. A match that does not say its inputs (written before
    // they were added) keeps the id it had: its score and decision stood in for them.
    eventId: (m) =>
      m.inputs === undefined
        ? hashId("scored", m.jobId, m.seekerId, m.resumeId, m.model, String(m.score), m.decision)
        : hashId("scored", m.jobId, m.seekerId, m.resumeId, m.model, m.inputs.jobContentHash, m.inputs.seekerBasis)
  }),
  applicationEvents: ApplicationEventsTopic,
  reviewEvents: ReviewEventsTopic,
  approved: ApprovedApplicationsTopic
} as const

/** Dead letters keep the original bytes as the value and say why in headers (the Kafka Connect convention). */
export const DeadLetterTopic = { name: "jobs.dlq", partitions: 1 } as const

export const DlqHeaders = {
  stage: "dlq-stage",
  reason: "dlq-reason",
  sourceTopic: "dlq-source-topic",
  sourcePartition: "dlq-source-partition",
  sourceOffset: "dlq-source-offset",
  /** For what a connector rejected: the page or API address it came from. */
  sourceUrl: "dlq-source-url",
  failedAt: "dlq-failed-at"
} as const

export const allTopics = [...Object.values(Topics), DeadLetterTopic]

export const encode = <A, I>(def: TopicDef<A, I>, value: A, producedAt: Date = new Date()): Envelope => ({
  topic: def.name,
  key: def.key(value),
  value: Buffer.from(JSON.stringify(Schema.encodeSync(def.schema)(value))),
  headers: {
    [Headers.contentType]: "application/json",
    [Headers.schemaName]: def.schemaName,
    [Headers.schemaVersion]: String(def.schemaVersion),
    [Headers.eventId]: def.eventId(value),
    [Headers.producedAt]: producedAt.toISOString()
  }
})

/**
 * What reading a topic needs of its definition. A reader that keeps a few fields of large records passes its own
 * view of the schema (`{ ...Topics.unique, schema: Job.pipe(Schema.pick(...)) }`): the same header checks, and only
 * those fields validated.
 */
export type TopicReader<A, I> = Pick<TopicDef<A, I>, "name" | "schemaName" | "schemaVersion" | "schema">

export const decode = <A, I>(def: TopicReader<A, I>, message: Received): Either.Either<A, DecodeError> => {
  const fail = (reason: string) => Either.left(new DecodeError({ topic: def.name, reason }))
  const name = message.headers[Headers.schemaName]
  if (name !== undefined && name !== def.schemaName) return fail(`schema ${name}, expected ${def.schemaName}`)
  const version = message.headers[Headers.schemaVersion]
  if (version !== undefined && Number(version) > def.schemaVersion)
    return fail(`schema version ${version} is newer than this reader's ${def.schemaVersion}`)
  let json: unknown
  try {
    json = JSON.parse(message.value.toString("utf8"))
  } catch (e) {
    return fail(`not JSON: ${(e as Error).message}`)
  }
  return Schema.decodeUnknownEither(def.schema)(json).pipe(
    Either.mapLeft((e) => new DecodeError({ topic: def.name, reason: ParseResult.TreeFormatter.formatErrorSync(e) }))
  )
}

/** The dead letter for a message a stage could not handle: same bytes, same headers, plus why. */
export const deadLetter = (stage: string, reason: string, message: Received, failedAt = new Date()): Envelope => ({
  topic: DeadLetterTopic.name,
  key: message.key,
  value: message.value,
  headers: {
    ...message.headers,
    [DlqHeaders.stage]: stage,
    [DlqHeaders.reason]: reason.slice(0, 2000),
    [DlqHeaders.sourceTopic]: message.topic,
    [DlqHeaders.sourcePartition]: String(message.partition),
    [DlqHeaders.sourceOffset]: String(message.offset),
    [DlqHeaders.failedAt]: failedAt.toISOString()
  }
})
