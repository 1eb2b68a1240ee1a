import { Effect, Either } from "effect"
import { DeadLetterTopic, decode, DlqHeaders, hashId, Headers, Topics, type Received } from "../schemas/Envelope.js"
import { jobIdOf } from "../schemas/Job.js"
import type { Stage } from "../stack/stage.js"
import { ClickHouse, toDateTime, type ClickHouseError } from "../stack/ClickHouse.js"

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

/**
 * Every pipeline topic -> one `pipeline_events` row per record, one INSERT per batch. Rows carry the message's
 * deterministic event id, so a replayed batch adds rows that ReplacingMergeTree folds into the originals.
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
    DeadLetterTopic.name
  ],
  maxBatch: 5000,
  handle: (batch) =>
    Effect.gen(function* () {
      const ch = yield* ClickHouse
      yield* ch.insert("pipeline_events", batch.map(toEvent))
      return []
    })
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
      return Either.match(decode(Topics.raw, record), {
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
      return Either.match(decode(Topics.unique, record), {
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
      return Either.match(decode(Topics.scored, record), {
        onLeft: () => ({ ...base, event_type: "scored" }),
        onRight: (m) => ({
          ...base,
          event_type: "scored",
          source: m.source,
          job_id: m.jobId,
          detail: JSON.stringify({ seekerId: m.seekerId, score: m.score, decision: m.decision })
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
