import { Effect, Either, Schema } from "effect"
import {
  DeadLetterTopic,
  deadLetter,
  decode,
  DlqHeaders,
  hashId,
  Headers,
  Topics,
  type Envelope,
  type Received
} from "../schemas/Envelope.js"
import { Job, jobIdOf } from "../schemas/Job.js"
import { RawPosting } from "../schemas/RawPosting.js"
import { Match } from "../schemas/Seeker.js"
import type { ApprovedApplication, ReviewEvent } from "../schemas/Review.js"
import type { Stage } from "../stack/stage.js"
import { ClickHouse, toDateTime, type ClickHouseError } from "../stack/ClickHouse.js"
import { eraseSeekersFromClickHouse } from "./clickhouseErasure.js"

/** A row of `pipeline_events` (ClickHouse migration 001). */
export interface PipelineEvent {
  readonly event_id: string
  readonly event_type: string
  readonly occurred_at: string
  readonly source: string
  readonly job_id: string
  readonly company_key: string
  readonly title: string
  readonly detail: string
}

/** A row of `review_events` (ClickHouse migration 006). */
export interface ReviewEventRow {
  readonly event_id: string
  readonly event_type: string
  readonly occurred_at: string
  readonly task_id: string
  readonly reviewer_id: string
  readonly seeker_id: string
  readonly job_id: string
  readonly source: string
  readonly wait_ms: number | null
}

/** A row of `approved_applications` (ClickHouse migration 006): ids and what the KPIs read, no contact data. */
export interface ApprovedApplicationRow {
  readonly event_id: string
  readonly approved_at: string
  readonly approved_by: string
  readonly reviewer_id: string
  readonly seeker_id: string
  readonly job_id: string
  readonly source: string
  readonly score: number
}

/**
 * Every pipeline topic -> one `pipeline_events` row per record; the review desk's topics -> `review_events` and
 * `approved_applications`; one INSERT per table and batch. Rows carry the message's deterministic event id, so a
 * replayed batch adds rows that ReplacingMergeTree folds into the originals (and the KPIs fold per event id until
 * it does). A review or approval message that does not decode goes to the dead-letter topic: unlike a pipeline
 * record, which still counts as an event of its topic, it has no row to give.
 *
 * `seekers.events` gives no rows: the sink reads it for `seeker_erased`, and deletes the erased seekers' rows once
 * the batch's own rows are in (sinks/clickhouseErasure.ts). Through Kafka rather than from the API's request, so a
 * ClickHouse outage delays the deletion (the batch is retried like any other) instead of leaving it undone.
 */
export const clickhouseEvents: Stage<ClickHouseError, ClickHouse> = {
  name: "clickhouse",
  groupId: "jobstream.sink.clickhouse",
  topics: [
    Topics.raw.name,
    Topics.lifecycle.name,
    Topics.normalized.name,
    Topics.unique.name,
    Topics.duplicates.name,
    Topics.scored.name,
    Topics.applicationEvents.name,
    Topics.reviewEvents.name,
    Topics.approved.name,
    Topics.seekerEvents.name,
    DeadLetterTopic.name
  ],
  maxBatch: 5000,
  handle: (batch) =>
    Effect.gen(function* () {
      const ch = yield* ClickHouse
      const events: Array<PipelineEvent> = []
      const reviews: Array<ReviewEventRow> = []
      const approvals: Array<ApprovedApplicationRow> = []
      const rejected: Array<Envelope> = []
      const erased: Array<string> = []
      const reject = (record: Received) => (error: { readonly reason: string }) =>
        rejected.push(deadLetter("clickhouse", `DecodeError: ${error.reason}`, record))
      for (const record of batch)
        if (record.topic === Topics.reviewEvents.name)
          Either.match(decode(Topics.reviewEvents, record), { onLeft: reject(record), onRight: (e) => reviews.push(toReviewRow(e)) })
        else if (record.topic === Topics.approved.name)
          Either.match(decode(Topics.approved, record), { onLeft: reject(record), onRight: (a) => approvals.push(toApprovalRow(a)) })
        else if (record.topic === Topics.seekerEvents.name)
          Either.match(decode(Topics.seekerEvents, record), {
            onLeft: reject(record),
            onRight: (e) => {
              if (e.type === "seeker_erased") erased.push(e.seekerId)
            }
          })
        else events.push(toEvent(record))
      yield* Effect.all(
        [ch.insert("pipeline_events", events), ch.insert("review_events", reviews), ch.insert("approved_applications", approvals)],
        { concurrency: "unbounded", discard: true }
      )
      yield* eraseSeekersFromClickHouse(erased)
      return rejected
    })
}

const toReviewRow = (e: ReviewEvent): ReviewEventRow => ({
  event_id: e.eventId,
  event_type: e.type,
  occurred_at: toDateTime(e.at),
  task_id: e.taskId ?? "",
  reviewer_id: e.reviewerId ?? "",
  seeker_id: e.seekerId ?? "",
  job_id: e.jobId ?? "",
  source: e.source ?? "",
  wait_ms: e.waitMs
})

const toApprovalRow = (a: ApprovedApplication): ApprovedApplicationRow => ({
  event_id: a.eventId,
  approved_at: toDateTime(a.approvedAt),
  approved_by: a.approval.by,
  reviewer_id: a.approval.reviewerId ?? "",
  seeker_id: a.seeker.seekerId,
  job_id: a.job.jobId,
  source: a.job.source,
  score: a.score
})

/**
 * The fields an event row keeps, and only those decoded: validating a whole posting (its description) or match (its
 * explanation) for them was most of this sink's time per record.
 */
const views = {
  raw: { ...Topics.raw, schema: RawPosting.pipe(Schema.pick("source", "externalId", "fields")) },
  job: { ...Topics.unique, schema: Job.pipe(Schema.pick("source", "jobId", "companyKey", "title")) },
  scored: { ...Topics.scored, schema: Match.pipe(Schema.pick("source", "jobId", "seekerId", "score", "decision", "scoredAt")) }
}

export const toEvent = (record: Received): PipelineEvent => {
  const base = {
    event_id: record.headers[Headers.eventId] ?? hashId(record.topic, String(record.partition), String(record.offset)),
    occurred_at: toDateTime(record.headers[Headers.producedAt] ?? new Date(record.timestamp ?? Date.now()).toISOString()),
    source: "",
    job_id: "",
    company_key: "",
    title: "",
    detail: ""
  }
  switch (record.topic) {
    case Topics.raw.name:
      return Either.match(decode(views.raw, record), {
        onLeft: () => ({ ...base, event_type: "discovered", source: (record.key ?? "").split(":")[0] ?? "" }),
        onRight: (p) => ({
          ...base,
          event_type: "discovered",
          source: p.source,
          job_id: jobIdOf(p.source, p.externalId),
          title: p.fields.title ?? ""
        })
      })
    case Topics.lifecycle.name:
      return Either.match(decode(Topics.lifecycle, record), {
        onLeft: () => ({ ...base, event_type: "lifecycle.invalid" }),
        onRight: (e) => ({
          ...base,
          event_type: e.status,
          occurred_at: toDateTime(e.at),
          source: e.source,
          job_id: e.jobId,
          detail: JSON.stringify({ externalId: e.externalId, since: e.since })
        })
      })
    case Topics.normalized.name:
    case Topics.unique.name: {
      const eventType = record.topic === Topics.unique.name ? "unique" : "normalized"
      return Either.match(decode(views.job, record), {
        onLeft: () => ({ ...base, event_type: eventType }),
        onRight: (j) => ({
          ...base,
          event_type: eventType,
          source: j.source,
          job_id: j.jobId,
          company_key: j.companyKey,
          title: j.title
        })
      })
    }
    case Topics.duplicates.name:
      return Either.match(decode(Topics.duplicates, record), {
        onLeft: () => ({ ...base, event_type: "duplicate" }),
        onRight: (d) => ({
          ...base,
          event_type: "duplicate",
          source: d.source,
          job_id: d.jobId,
          detail: JSON.stringify({ duplicateOf: d.duplicateOf, reason: d.reason, similarity: d.similarity })
        })
      })
    case Topics.scored.name:
      return Either.match(decode(views.scored, record), {
        onLeft: () => ({ ...base, event_type: "scored" }),
        onRight: (m) => ({
          ...base,
          event_type: "scored",
          source: m.source,
          job_id: m.jobId,
          detail: JSON.stringify({ seekerId: m.seekerId, score: m.score, decision: m.decision, scoredAt: m.scoredAt })
        })
      })
    case Topics.applicationEvents.name:
      return Either.match(decode(Topics.applicationEvents, record), {
        onLeft: () => ({ ...base, event_type: "application.invalid" }),
        onRight: (a) => ({
          ...base,
          event_type: `application.${a.to}`,
          occurred_at: toDateTime(a.at),
          source: a.source,
          job_id: a.jobId,
          // Compact JSON with these exact keys: ClickHouse 18.16 reads them with visitParamExtract*.
          detail: JSON.stringify({ applicationId: a.applicationId, seekerId: a.seekerId, from: a.from })
        })
      })
    default:
      return {
        ...base,
        // A dead letter's own id: the original's id would collide with the original's event.
        event_id: hashId("dlq", base.event_id, record.headers[DlqHeaders.stage] ?? ""),
        event_type: "dead_letter",
        source: record.headers[DlqHeaders.stage] ?? "",
        detail: JSON.stringify({
          stage: record.headers[DlqHeaders.stage],
          reason: record.headers[DlqHeaders.reason],
          topic: record.headers[DlqHeaders.sourceTopic]
        })
      }
  }
}
