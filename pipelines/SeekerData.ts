import { createHash, randomUUID } from "node:crypto"
import { Effect, Schema } from "effect"
import { encode, Topics } from "../schemas/Envelope.js"
import type { SeekerEvent } from "../schemas/Seeker.js"
import { ClickHouse, quote } from "../stack/ClickHouse.js"
import { Postgres, type Sql } from "../stack/Postgres.js"
import { enqueue } from "../stack/outbox.js"
import { Unauthorized } from "./Seekers.js"

/**
 * A seeker's right to take their data and go (issue 15): everything held about them as one document, and their
 * erasure from every store.
 *
 * Where a seeker's data lives, and so what both cover:
 * - PostgreSQL: `seekers` (name, email, preferences, the key's hash), `resumes` (the text), `matches`,
 *   `applications` and `application_history` (notes), `match_feedback` and `seeker_models`, `review_tasks` of
 *   their matches (a reviewer's decision and note), `approvals`; `embeddings` holds their resumes' vectors under
 *   the keys the scorer recorded on each resume (`resumes.embedding_keys`); `outbox` holds their events, ids only,
 *   until the relay sends them; `notifications`, `notification_deliveries` and `notification_settings` (their
 *   webhook URL and its secret, quiet hours, digest).
 * - ClickHouse: ids only, the seeker id in `pipeline_events` (scored and application rows), `review_events`,
 *   `approved_applications` (sinks/clickhouseErasure.ts).
 * - Kafka: ids only on every topic (schemas/Envelope.ts); no topic is compacted, so there is no latest value per
 *   seeker to replace with a tombstone, and what was sent stays until the topic's retention drops it.
 */

/** The whole document, read in one snapshot so its parts agree. */
export const exportSeeker = (seekerId: string) =>
  Effect.gen(function* () {
    const db = yield* Postgres
    const held = yield* db.transaction((tx) =>
      Effect.gen(function* () {
        yield* tx.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        const section = (sql: string) => Effect.map(tx.rows(Section, sql, [seekerId]), ([row]) => row?.doc ?? null)
        return {
          profile: yield* section(profileSql),
          resumes: yield* section(resumesSql),
          matches: yield* section(matchesSql),
          applications: yield* section(applicationsSql),
          feedback: {
            labels: yield* section(labelsSql),
            model: yield* section(modelSql)
          },
          reviews: yield* section(reviewsSql),
          approvals: yield* section(approvalsSql),
          notifications: {
            settings: yield* section(notificationSettingsSql),
            sent: yield* section(notificationsSql)
          },
          pendingEvents: yield* section(outboxSql)
        }
      })
    )
    const ch = yield* ClickHouse
    const id = quote(seekerId)
    // ClickHouse rows are ids and numbers; DISTINCT folds a replayed event's copies until a merge does.
    const [pipeline, reviews, approvals] = yield* Effect.all(
      [
        ch.query(
          `SELECT DISTINCT event_id, event_type, occurred_at, source, job_id, detail FROM pipeline_events
           WHERE visitParamExtractString(detail, 'seekerId') = ${id} ORDER BY occurred_at, event_id`
        ),
        ch.query(
          `SELECT DISTINCT event_id, event_type, occurred_at, task_id, reviewer_id, job_id, source, wait_ms FROM review_events
           WHERE seeker_id = ${id} ORDER BY occurred_at, event_id`
        ),
        ch.query(
          `SELECT DISTINCT event_id, approved_at, approved_by, reviewer_id, job_id, source, score FROM approved_applications
           WHERE seeker_id = ${id} ORDER BY approved_at, event_id`
        )
      ],
      { concurrency: "unbounded" }
    )
    return {
      seekerId,
      exportedAt: new Date().toISOString(),
      ...held,
      events: {
        note:
          "The seeker's events as the analytics store (ClickHouse) keeps them: matches scored, applications moved, review " +
          "steps and approvals. Kafka carries the same events, ids only, until its retention drops them.",
        pipeline,
        reviews,
        approvals
      }
    }
  }).pipe(Effect.withSpan("SeekerData.export"))

/** Rows deleted per kind: the audit's and the answer's account of an erasure. */
export type Erased = Record<string, number>

/**
 * Deletes the seeker everywhere, in one PostgreSQL transaction: their rows in every table that holds them, their
 * resumes' vectors in the embedding cache, an audit row, and a `seeker_erased` event on `seekers.events` through
 * the outbox, so the event exists exactly when the erasure committed. The event is what the rest do from: the
 * scorer reloads the seeker, finds none and drops them; the ClickHouse sink deletes their rows. Their API key
 * dies with the `seekers` row (401 from then on).
 */
export const eraseSeeker = (seekerId: string) =>
  Effect.gen(function* () {
    const db = yield* Postgres
    return yield* db.transaction((tx) =>
      Effect.gen(function* () {
        // Locked first: a change of theirs under way finishes before (or waits and finds no seeker), and a second
        // erasure waits and finds nothing.
        const found = yield* tx.query("SELECT 1 FROM seekers WHERE seeker_id = $1 FOR UPDATE", [seekerId])
        if (found.length === 0) return yield* new Unauthorized({ message: "this API key belongs to no seeker" })
        const [keys] = yield* tx.rows(
          Schema.Struct({ keys: Schema.Array(Schema.String) }),
          "SELECT coalesce(array_agg(DISTINCT k), '{}') AS keys FROM resumes, unnest(embedding_keys) AS k WHERE seeker_id = $1",
          [seekerId]
        )
        const erased: Erased = {}
        const count = (kind: string, sql: string, params: ReadonlyArray<unknown> = [seekerId]) =>
          Effect.map(tx.rows(Count, `WITH gone AS (${sql} RETURNING 1) SELECT count(*) AS n FROM gone`, params), ([row]) => {
            erased[kind] = row?.n ?? 0
          })
        yield* count("embeddings", "DELETE FROM embeddings WHERE key = ANY($1::text[])", [keys?.keys ?? []])
        yield* count("notificationDeliveries", "DELETE FROM notification_deliveries WHERE seeker_id = $1")
        yield* count("notifications", "DELETE FROM notifications WHERE seeker_id = $1")
        yield* count("notificationSettings", "DELETE FROM notification_settings WHERE seeker_id = $1")
        yield* count("reviewTasks", "DELETE FROM review_tasks WHERE seeker_id = $1")
        yield* count("approvals", "DELETE FROM approvals WHERE seeker_id = $1")
        yield* count("feedbackLabels", "DELETE FROM match_feedback WHERE seeker_id = $1")
        yield* count("models", "DELETE FROM seeker_models WHERE seeker_id = $1")
        yield* count(
          "applicationHistory",
          "DELETE FROM application_history WHERE application_id IN (SELECT application_id FROM applications WHERE seeker_id = $1)"
        )
        yield* count("applications", "DELETE FROM applications WHERE seeker_id = $1")
        yield* count("matches", "DELETE FROM matches WHERE seeker_id = $1")
        yield* count("resumes", "DELETE FROM resumes WHERE seeker_id = $1")
        yield* count("seekers", "DELETE FROM seekers WHERE seeker_id = $1")
        const erasedAt = new Date().toISOString()
        yield* announce(tx, seekerId, erasedAt)
        yield* tx.query("INSERT INTO erasures (seeker_hash, erased_at, erased) VALUES ($1, $2, $3)", [
          seekerHash(seekerId),
          erasedAt,
          JSON.stringify(erased)
        ])
        return { seekerId, erasedAt, erased }
      })
    )
  }).pipe(Effect.withSpan("SeekerData.erase"))

/** How the audit names a seeker: a hash of the id, which ties the row to nothing left once the seeker is gone. */
export const seekerHash = (seekerId: string) => createHash("sha256").update(`seeker\u0000${seekerId}`).digest("hex")

const announce = (tx: Sql, seekerId: string, at: string) => {
  const event: SeekerEvent = { eventId: randomUUID(), seekerId, type: "seeker_erased", resumeId: null, at }
  return enqueue(tx, [encode(Topics.seekerEvents, event)])
}

/** count(*) is a bigint, which pg reads as a string. */
const Count = Schema.Struct({ n: Schema.NumberFromString })

/** One section of the export, built as JSON by PostgreSQL. */
const Section = Schema.Struct({ doc: Schema.Unknown })

const profileSql = `
SELECT json_build_object('name', name, 'email', email, 'preferences', preferences, 'stallDays', stall_days,
  'createdAt', created_at, 'updatedAt', updated_at) AS doc
FROM seekers WHERE seeker_id = $1`

const resumesSql = `
SELECT coalesce(json_agg(json_build_object('resumeId', resume_id, 'filename', filename, 'contentType', content_type,
  'primary', is_primary, 'createdAt', created_at, 'characters', length(body), 'text', body) ORDER BY created_at, resume_id), '[]') AS doc
FROM resumes WHERE seeker_id = $1`

const matchesSql = `
SELECT coalesce(json_agg(json_build_object('jobId', m.job_id, 'title', j.title, 'company', j.company, 'url', j.url,
  'score', m.score, 'decision', m.decision, 'components', m.components, 'explanation', m.explanation,
  'resumeId', m.resume_id, 'model', m.model, 'scoredAt', m.scored_at, 'rescoredCount', m.rescored_count)
  ORDER BY m.score DESC, m.job_id), '[]') AS doc
FROM matches m LEFT JOIN jobs j USING (job_id) WHERE m.seeker_id = $1`

const applicationsSql = `
SELECT coalesce(json_agg(json_build_object('applicationId', a.application_id, 'jobId', a.job_id, 'title', j.title,
  'company', j.company, 'status', a.status, 'sequence', a.sequence, 'createdAt', a.created_at,
  'statusChangedAt', a.status_changed_at,
  'history', (SELECT coalesce(json_agg(json_build_object('sequence', h.sequence, 'from', h.from_status, 'to', h.to_status,
      'at', h.at, 'note', h.note) ORDER BY h.sequence), '[]')
    FROM application_history h WHERE h.application_id = a.application_id))
  ORDER BY a.created_at, a.application_id), '[]') AS doc
FROM applications a LEFT JOIN jobs j USING (job_id) WHERE a.seeker_id = $1`

const labelsSql = `
SELECT coalesce(json_agg(json_build_object('jobId', job_id, 'kind', kind, 'relevant', relevant, 'weight', weight,
  'features', features, 'score', score, 'at', at) ORDER BY at, job_id), '[]') AS doc
FROM match_feedback WHERE seeker_id = $1`

const modelSql = `
SELECT json_build_object('model', model, 'labels', labels, 'version', version, 'trainedAt', trained_at) AS doc
FROM seeker_models WHERE seeker_id = $1`

const reviewsSql = `
SELECT coalesce(json_agg(json_build_object('taskId', task_id, 'jobId', job_id, 'score', score, 'status', status,
  'outcome', outcome, 'decision', decision, 'decidedBy', decided_by, 'createdAt', created_at, 'endedAt', ended_at)
  ORDER BY created_at, task_id), '[]') AS doc
FROM review_tasks WHERE kind = 'match' AND seeker_id = $1`

const approvalsSql = `
SELECT coalesce(json_agg(json_build_object('jobId', job_id, 'approvedBy', approved_by, 'reviewerId', reviewer_id,
  'taskId', task_id, 'resumeId', resume_id, 'approvedAt', approved_at) ORDER BY approved_at, job_id), '[]') AS doc
FROM approvals WHERE seeker_id = $1`

/** The webhook's secret stays out: it is shown once, when made, and a new one replaces it. */
const notificationSettingsSql = `
SELECT json_build_object('matchThreshold', match_threshold, 'webhookUrl', webhook_url, 'webhookState', webhook_state,
  'webhookDisabledReason', webhook_disabled_reason, 'email', email_enabled, 'quietFrom', quiet_from, 'quietTo', quiet_to,
  'digestAt', digest_at, 'timeZone', time_zone, 'updatedAt', updated_at) AS doc
FROM notification_settings WHERE seeker_id = $1`

const notificationsSql = `
SELECT coalesce(json_agg(json_build_object('notificationId', n.notification_id, 'kind', n.kind, 'createdAt', n.created_at,
  'title', n.title, 'body', n.body, 'jobId', n.job_id, 'applicationId', n.application_id, 'data', n.data,
  'deliveries', (SELECT coalesce(json_agg(json_build_object('channel', d.channel, 'state', d.state, 'attempts', d.attempts,
      'sentAt', d.sent_at, 'lastError', d.last_error) ORDER BY d.channel), '[]')
    FROM notification_deliveries d WHERE d.notification_id = n.notification_id)) ORDER BY n.id), '[]') AS doc
FROM notifications n WHERE n.seeker_id = $1`

/** Events of theirs written but not yet on Kafka: the seeker's own (by key) and their applications'. */
const outboxSql = `
SELECT coalesce(json_agg(json_build_object('topic', topic, 'event', convert_from(value, 'UTF8')::jsonb) ORDER BY id), '[]') AS doc
FROM outbox
WHERE key = $1 OR key IN (SELECT application_id FROM applications WHERE seeker_id = $1)`
