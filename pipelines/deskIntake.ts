import { Duration, Effect, Schema } from "effect"
import type { Envelope } from "../schemas/Envelope.js"
import { enqueue } from "../stack/outbox.js"
import { Postgres } from "../stack/Postgres.js"
import { approvalMessages } from "./approvals.js"
import { eventOf, taskColumns, TaskRow, type DeskSettings } from "./ReviewDesk.js"

/**
 * How far back each look reaches before the last one started: longer than any transaction of the sinks takes to
 * commit, so a match written by a transaction that began before the last look and committed after it is still seen.
 */
const overlap = Duration.seconds(60)

/**
 * At most this many rows of each kind per look. The look runs in the API process: building thousands of events at
 * once held its event loop for about a second (the fault suite's crawl of 3,000 postings for 3 seekers). A look that
 * reaches it leaves the start where it was; what it did is filtered out of the next one.
 */
const perLook = 250

const Changed = Schema.Struct({ ...TaskRow.fields, inserted: Schema.Boolean })
const Closed = Schema.Struct({ ...TaskRow.fields, outcome: Schema.Literal("auto_approved", "below_review") })

/**
 * One look at what the scorer and dedup wrote since `since`, in one transaction with the events it causes:
 * - every `manual_review` match becomes a task (its id derived from seeker and job, so a second look is a no-op);
 *   a re-score updates the task's score, and reopens one the scorer had closed;
 * - an open match task whose match left review closes, as `auto_approved` or `below_review`;
 * - every `auto_approve` match is approved by the scorer (one `applications.approved` message per seeker x job);
 * - every uncertain dedup pair becomes a task.
 * Returns where the next look starts: where this one did when it reached `perLook` rows of a kind.
 */
export const intake = (settings: DeskSettings, since: Date) =>
  Effect.flatMap(Postgres, (db) =>
    db.transaction((tx) =>
      Effect.gen(function* () {
        const [clock] = yield* tx.rows(Schema.Struct({ started: Schema.DateFromSelf }), "SELECT now() AS started")
        const started = clock?.started ?? new Date()
        const due = `${Duration.toMillis(settings.due)} milliseconds`
        const changed = yield* tx.rows(
          Changed,
          `INSERT INTO review_tasks AS t (task_id, kind, seeker_id, job_id, score, due_at)
           SELECT 'm_' || md5(m.seeker_id || ':' || m.job_id), 'match', m.seeker_id, m.job_id, m.score, now() + $2::interval
           FROM matches m
           LEFT JOIN review_tasks k ON k.task_id = 'm_' || md5(m.seeker_id || ':' || m.job_id)
           -- Only what is new or changed reaches the conflict clause, which would lock every row it meets.
           WHERE m.decision = 'manual_review' AND m.written_at > $1
             AND (k.task_id IS NULL OR k.status = 'closed' OR (k.status IN ('pending', 'assigned') AND k.score <> m.score))
           ORDER BY m.written_at
           LIMIT $3
           ON CONFLICT (task_id) DO UPDATE SET score = excluded.score, updated_at = now(),
             status = CASE WHEN t.status = 'closed' THEN 'pending' ELSE t.status END,
             outcome = CASE WHEN t.status = 'closed' THEN NULL ELSE t.outcome END,
             ended_at = CASE WHEN t.status = 'closed' THEN NULL ELSE t.ended_at END
           WHERE t.status = 'closed' OR (t.status IN ('pending', 'assigned') AND t.score <> excluded.score)
           RETURNING ${taskColumns}, (xmax = 0) AS inserted`,
          [since, due, perLook]
        )
        const closed = yield* tx.rows(
          Closed,
          `UPDATE review_tasks t SET status = 'closed', assignee = NULL, assigned_at = NULL, deadline = NULL, warned_at = NULL,
             outcome = CASE WHEN c.decision = 'auto_approve' THEN 'auto_approved' ELSE 'below_review' END,
             ended_at = now(), updated_at = now()
           FROM (
             SELECT o.task_id, m.decision FROM review_tasks o JOIN matches m ON m.seeker_id = o.seeker_id AND m.job_id = o.job_id
             WHERE o.kind = 'match' AND o.status IN ('pending', 'assigned') AND m.decision <> 'manual_review' AND m.written_at > $1
             LIMIT $2) c
           WHERE t.task_id = c.task_id AND t.status IN ('pending', 'assigned')
           RETURNING ${taskColumns}, t.outcome`,
          [since, perLook]
        )
        const autoApproved = yield* tx.rows(
          Schema.Struct({ seeker_id: Schema.String, job_id: Schema.String, resume_id: Schema.String }),
          `SELECT m.seeker_id, m.job_id, m.resume_id FROM matches m
           WHERE m.decision = 'auto_approve' AND m.written_at > $1
             AND NOT EXISTS (SELECT 1 FROM approvals a WHERE a.seeker_id = m.seeker_id AND a.job_id = m.job_id)
           LIMIT $2`,
          [since, perLook]
        )
        const pairs = yield* tx.rows(
          Changed,
          `INSERT INTO review_tasks AS t (task_id, kind, job_id, candidate_id, score, due_at)
           SELECT 'd_' || md5(r.job_id || ':' || r.candidate_id), 'dedup', r.job_id, r.candidate_id, round(r.similarity * 100), now() + $2::interval
           FROM dedup_reviews r
           WHERE r.status = 'pending' AND r.flagged_at > $1
             AND NOT EXISTS (SELECT 1 FROM review_tasks k WHERE k.task_id = 'd_' || md5(r.job_id || ':' || r.candidate_id))
           LIMIT $3
           ON CONFLICT (task_id) DO NOTHING
           RETURNING ${taskColumns}, true AS inserted`,
          [since, due, perLook]
        )
        const messages: Array<Envelope> = [
          ...[...changed, ...pairs].map((t) => eventOf(t.inserted ? "created" : "updated", t)),
          ...closed.map((t) => eventOf("closed", t, { outcome: t.outcome, waitMs: Date.now() - t.created_at.getTime() })),
          ...(yield* approvalMessages(
            tx,
            autoApproved.map((m) => ({ seekerId: m.seeker_id, jobId: m.job_id, resumeId: m.resume_id, by: "auto" as const, reviewerId: null, taskId: null }))
          ))
        ]
        yield* enqueue(tx, messages)
        const full = [changed, closed, autoApproved, pairs].some((rows) => rows.length >= perLook)
        return {
          next: full ? since : new Date(started.getTime() - Duration.toMillis(overlap)),
          created: changed.filter((t) => t.inserted).length + pairs.length,
          closed: closed.length,
          approved: autoApproved.length
        }
      })
    )
  )
