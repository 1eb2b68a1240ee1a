import { createHash, randomUUID } from "node:crypto"
import { Config, Context, Data, Duration, Effect, Layer, Schema } from "effect"
import { encode, Topics, type Envelope } from "../schemas/Envelope.js"
import type { RejectReason, ReviewEvent, ReviewEventType, TaskKind, TaskOutcome } from "../schemas/Review.js"
import { enqueue } from "../stack/outbox.js"
import { recordFeedback } from "./Feedback.js"
import { Postgres, type PostgresError, type RowDecodeError, type Sql } from "../stack/Postgres.js"
import { approvalMessages } from "./approvals.js"
import { blankEvent } from "./Staff.js"

/** A task id that names no task. */
export class TaskNotFound extends Data.TaggedError("TaskNotFound")<{ readonly taskId: string }> {
  override get message() {
    return `no review task ${this.taskId}`
  }
}

/** A resume id that names no resume. */
export class ResumeNotFound extends Data.TaggedError("ResumeNotFound")<{ readonly resumeId: string }> {
  override get message() {
    return `no resume ${this.resumeId}`
  }
}

/** No seeker of that id: never one, or erased since (an apply bot holding an old approval gets this). */
export class SeekerNotFound extends Data.TaggedError("SeekerNotFound")<{ readonly seekerId: string }> {
  override get message() {
    return `no seeker ${this.seekerId}`
  }
}

/** A decision the task cannot take now: not held by this reviewer, already ended, or of the other kind. */
export class TaskConflict extends Data.TaggedError("TaskConflict")<{ readonly message: string }> {}

/** Who decides: the reviewer holding the task, or the seeker whose match it is (their own reviewer). */
export type Actor = { readonly kind: "reviewer"; readonly staffId: string } | { readonly kind: "seeker"; readonly seekerId: string }

export type Decision =
  | { readonly action: "approve"; readonly resumeId?: string | undefined; readonly resumeText?: string | undefined }
  | { readonly action: "reject"; readonly reason: RejectReason; readonly note?: string | undefined }
  | { readonly action: "release" }
  | { readonly action: "merge" }
  | { readonly action: "distinct" }

export interface DeskSettings {
  /** From assignment to the deadline. */
  readonly sla: Duration.Duration
  /** How long before the deadline the reviewer is warned. */
  readonly warnBefore: Duration.Duration
  /** From creation to when a task should be decided: its place in the queue. */
  readonly due: Duration.Duration
  /** Misses that lock a reviewer (the fourth strike by default); the one before it warns them and ops. */
  readonly lockAt: number
}

export const DeskSettings = Config.all({
  sla: Config.duration("JOBSTREAM_REVIEW_SLA").pipe(Config.withDefault(Duration.minutes(15))),
  warnBefore: Config.duration("JOBSTREAM_REVIEW_WARN_BEFORE").pipe(Config.withDefault(Duration.minutes(5))),
  due: Config.duration("JOBSTREAM_REVIEW_DUE").pipe(Config.withDefault(Duration.hours(24))),
  lockAt: Config.integer("JOBSTREAM_REVIEW_LOCK_AT").pipe(Config.withDefault(4))
})

/** A task as a reviewer holds it: where it stands and what its timer says. */
export const TaskRow = Schema.Struct({
  task_id: Schema.String,
  kind: Schema.Literal("match", "dedup"),
  seeker_id: Schema.NullOr(Schema.String),
  job_id: Schema.String,
  candidate_id: Schema.NullOr(Schema.String),
  score: Schema.Number,
  status: Schema.Literal("pending", "assigned", "decided", "closed"),
  assignee: Schema.NullOr(Schema.String),
  deadline: Schema.NullOr(Schema.DateFromSelf),
  warned_at: Schema.NullOr(Schema.DateFromSelf),
  created_at: Schema.DateFromSelf,
  source: Schema.NullOr(Schema.String)
})
export type TaskRow = typeof TaskRow.Type

export const taskColumns = `t.task_id, t.kind, t.seeker_id, t.job_id, t.candidate_id, t.score, t.status, t.assignee, t.deadline,
  t.warned_at, t.created_at, (SELECT j.source FROM jobs j WHERE j.job_id = t.job_id) AS source`

/** A task the desk holds for a reviewer: enough to show its timer; the details come from `DeskViews`. */
export interface HeldTask {
  readonly taskId: string
  readonly kind: TaskKind
  readonly deadline: Date
  readonly warned: boolean
}

type Failure = PostgresError | RowDecodeError

/**
 * The review desk's tasks: claiming the next one for a reviewer, the SLA timers, and decisions. PostgreSQL is the
 * only place a task's state lives, so every API process can run the desk at once and a restart loses nothing:
 *
 * - A claim locks the reviewer's staff row (their capacity cannot be overrun by two processes) and takes the queue's
 *   first task with `FOR UPDATE SKIP LOCKED`: two claims never see the same pending row, and a claim never waits
 *   behind another. Chosen over Kafka partition ownership because a task's state, its deadline and the reviewer's
 *   capacity must change together in one transaction, and the queue order (missed first, then due time, then score)
 *   is an index scan here, where partitions would each have their own order.
 * - Deadlines are timestamps in the table; `sweep` applies whatever passed, including while every process was down.
 * - Every step writes its `reviews.events` event (and an approval its `applications.approved` message) to the
 *   outbox in the same transaction.
 */
export class ReviewDesk extends Context.Tag("jobstream/ReviewDesk")<
  ReviewDesk,
  {
    readonly settings: DeskSettings
    /** The next task for this reviewer, if they have room, are not locked, and one is waiting. */
    readonly claim: (staffId: string) => Effect.Effect<HeldTask | null, Failure>
    /** The tasks a reviewer holds now. */
    readonly held: (staffId: string) => Effect.Effect<ReadonlyArray<HeldTask>, Failure>
    /** The tasks each of these reviewers holds now, in one statement. */
    readonly heldBy: (staffIds: ReadonlyArray<string>) => Effect.Effect<ReadonlyMap<string, ReadonlyArray<HeldTask>>, Failure>
    /** Warns and revokes by the clock: what it did, for the log and the tests. */
    readonly sweep: Effect.Effect<{ warned: number; missed: number; locked: number }, Failure>
    readonly decide: (taskId: string, actor: Actor, decision: Decision) => Effect.Effect<TaskOutcome | "released", TaskNotFound | TaskConflict | Failure>
    /** Tasks waiting and held now, for the dashboards. */
    readonly counts: Effect.Effect<{ pending: number; assigned: number }, Failure>
    /** A seeker's own open match tasks, the ones due first first. */
    readonly openFor: (seekerId: string) => Effect.Effect<ReadonlyArray<string>, Failure>
    /** A resume's text, for a staff key: what an approval points an apply bot to. */
    readonly resume: (resumeId: string) => Effect.Effect<{ resumeId: string; seekerId: string; text: string }, ResumeNotFound | Failure>
    /**
     * The contact an apply bot applies with (name, email): `applications.approved` carries only the seeker's id, so
     * that an erased seeker's contact is nowhere but here until the erasure, and nowhere after it.
     */
    readonly contact: (seekerId: string) => Effect.Effect<{ seekerId: string; name: string; email: string | null }, SeekerNotFound | Failure>
  }
>() {}

export const eventOf = (type: ReviewEventType, task: TaskRow, more: Partial<ReviewEvent> = {}): Envelope =>
  encode(Topics.reviewEvents, {
    ...blankEvent,
    eventId: randomUUID(),
    type,
    at: new Date().toISOString(),
    taskId: task.task_id,
    kind: task.kind,
    seekerId: task.seeker_id,
    jobId: task.job_id,
    source: task.source,
    score: task.score,
    ...more
  })

const heldOf = (row: TaskRow): HeldTask => ({
  taskId: row.task_id,
  kind: row.kind,
  deadline: row.deadline!,
  warned: row.warned_at !== null
})

export const make = (settings: DeskSettings) =>
  Effect.gen(function* () {
    const db = yield* Postgres
    const sla = `${Duration.toMillis(settings.sla)} milliseconds`
    const warnBefore = `${Duration.toMillis(settings.warnBefore)} milliseconds`

    const claim = (staffId: string): Effect.Effect<HeldTask | null, Failure> =>
      db.transaction((tx) =>
        Effect.gen(function* () {
          // The reviewer's row first, locked: a concurrent claim for them waits here, and the count below (a new
          // statement, so a new snapshot) sees what that claim assigned.
          const me = yield* tx.query(
            "SELECT 1 FROM staff WHERE staff_id = $1 AND role = 'reviewer' AND locked_at IS NULL AND revoked_at IS NULL FOR UPDATE",
            [staffId]
          )
          if (me.length === 0) return null
          const [room] = yield* tx.query<{ room: number }>(
            `SELECT s.max_active - (SELECT count(*) FROM review_tasks t WHERE t.assignee = s.staff_id AND t.status = 'assigned')::int AS room
             FROM staff s WHERE s.staff_id = $1`,
            [staffId]
          )
          if (!room || room.room <= 0) return null
          // SKIP LOCKED lets concurrent claims pass each other. The outer `status = 'pending'` guards the lock's
          // recheck: a row another claim assigned and committed after this statement's snapshot is checked again
          // on its latest version (measured: without it, and with the partial index this table first had, 20
          // concurrent claims over 12 tasks gave 13 assignments). A claim that lost that race tries again.
          for (let attempt = 0; attempt < 5; attempt++) {
            const [row] = yield* rows(
              tx,
              `UPDATE review_tasks t SET status = 'assigned', assignee = $1, assigned_at = now(), deadline = now() + $2::interval,
                 warned_at = NULL, front = false, updated_at = now()
               WHERE t.status = 'pending' AND t.task_id = (
                 SELECT task_id FROM review_tasks
                 WHERE status = 'pending' AND NOT ($1 = ANY (missed_by))
                 ORDER BY front DESC, due_at, score DESC, task_id
                 LIMIT 1 FOR UPDATE SKIP LOCKED)
               RETURNING ${taskColumns}`,
              [staffId, sla]
            )
            if (!row) {
              const [waiting] = yield* tx.query<{ any: boolean }>(
                "SELECT EXISTS (SELECT 1 FROM review_tasks WHERE status = 'pending' AND NOT ($1 = ANY (missed_by))) AS any",
                [staffId]
              )
              if (!waiting?.any) return null
              continue
            }
            yield* tx.query("UPDATE staff SET last_assigned_at = now() WHERE staff_id = $1", [staffId])
            yield* enqueue(tx, [eventOf("assigned", row, { reviewerId: staffId })])
            return heldOf(row)
          }
          return null
        })
      )

    const heldBy = (staffIds: ReadonlyArray<string>) =>
      Effect.map(
        db.rows(TaskRow, `SELECT ${taskColumns} FROM review_tasks t WHERE t.assignee = ANY ($1) AND t.status = 'assigned' ORDER BY t.deadline`, [
          staffIds
        ]),
        (found) => {
          const byReviewer = new Map<string, Array<HeldTask>>(staffIds.map((id) => [id, []]))
          for (const row of found) byReviewer.get(row.assignee!)?.push(heldOf(row))
          return byReviewer as ReadonlyMap<string, ReadonlyArray<HeldTask>>
        }
      )

    const held = (staffId: string) =>
      Effect.map(
        db.rows(TaskRow, `SELECT ${taskColumns} FROM review_tasks t WHERE t.assignee = $1 AND t.status = 'assigned' ORDER BY t.deadline`, [
          staffId
        ]),
        (found) => found.map(heldOf)
      )

    const sweep = db.transaction((tx) =>
      Effect.gen(function* () {
        const warned = yield* rows(
          tx,
          `UPDATE review_tasks t SET warned_at = now()
           WHERE t.status = 'assigned' AND t.warned_at IS NULL AND t.deadline - $1::interval <= now() AND t.deadline > now()
           RETURNING ${taskColumns}`,
          [warnBefore]
        )
        const missed = yield* rows(
          tx,
          `WITH due AS (
             SELECT task_id, assignee FROM review_tasks WHERE status = 'assigned' AND deadline <= now() FOR UPDATE SKIP LOCKED)
           UPDATE review_tasks t SET status = 'pending', front = true, misses = t.misses + 1,
             missed_by = array_append(t.missed_by, due.assignee), assignee = NULL, assigned_at = NULL, deadline = NULL,
             warned_at = NULL, updated_at = now()
           FROM due WHERE t.task_id = due.task_id AND t.status = 'assigned' AND t.deadline <= now()
           RETURNING ${taskColumns.replace("t.assignee", "due.assignee")}`
        )
        const events = [...warned.map((t) => eventOf("warned", t, { reviewerId: t.assignee })), ...missed.map((t) => eventOf("missed", t, { reviewerId: t.assignee }))]
        // A reviewer who missed several tasks at once is locked once.
        const locked = new Set<string>()
        for (const task of missed) {
          const [strike] = yield* tx.query<{ strikes: number; locked_now: boolean }>(
            `UPDATE staff SET strikes = strikes + 1, locked_at = CASE WHEN strikes + 1 >= $2 THEN coalesce(locked_at, now()) ELSE locked_at END
             WHERE staff_id = $1
             RETURNING strikes, (strikes >= $2 AND locked_at = now()) AS locked_now`,
            [task.assignee, settings.lockAt]
          )
          if (!strike) continue
          events.push(eventOf("strike", task, { reviewerId: task.assignee, strikes: strike.strikes }))
          if (strike.locked_now && !locked.has(task.assignee!)) {
            locked.add(task.assignee!)
            events.push(encode(Topics.reviewEvents, { ...blankEvent, eventId: randomUUID(), type: "locked", at: new Date().toISOString(), reviewerId: task.assignee, strikes: strike.strikes }))
          }
        }
        yield* enqueue(tx, events)
        return { warned: warned.length, missed: missed.length, locked: locked.size }
      })
    )

    const decide = (taskId: string, actor: Actor, decision: Decision) =>
      db.transaction((tx) =>
        Effect.gen(function* () {
          const [task] = yield* rows(tx, `SELECT ${taskColumns} FROM review_tasks t WHERE t.task_id = $1 FOR UPDATE`, [taskId])
          if (!task) return yield* new TaskNotFound({ taskId })
          // Another seeker's task does not exist for this seeker, whatever its state.
          if (actor.kind === "seeker" && (task.kind !== "match" || task.seeker_id !== actor.seekerId))
            return yield* new TaskNotFound({ taskId })
          if (task.status === "decided" || task.status === "closed") return yield* new TaskConflict({ message: `task ${taskId} has ended` })
          if (actor.kind === "reviewer" && (task.status !== "assigned" || task.assignee !== actor.staffId))
            return yield* new TaskConflict({ message: `task ${taskId} is not held by you (its timer may have run out)` })
          const reviewerId = actor.kind === "reviewer" ? actor.staffId : null

          if (decision.action === "release") {
            if (actor.kind !== "reviewer") return yield* new TaskConflict({ message: "only the reviewer holding a task can release it" })
            yield* tx.query(
              `UPDATE review_tasks SET status = 'pending', assignee = NULL, assigned_at = NULL, deadline = NULL, warned_at = NULL,
                 missed_by = array_append(missed_by, $2), updated_at = now() WHERE task_id = $1`,
              [taskId, actor.staffId]
            )
            yield* enqueue(tx, [eventOf("released", task, { reviewerId })])
            return "released" as const
          }

          const outcome = yield* outcomeOf(task, decision)
          const messages: Array<Envelope> = []
          if (decision.action === "approve") {
            const resumeId = yield* resumeFor(tx, task, decision)
            messages.push(
              ...(yield* approvalMessages(tx, [
                { seekerId: task.seeker_id!, jobId: task.job_id, resumeId, by: actor.kind, reviewerId, taskId }
              ]))
            )
          }
          if (decision.action === "merge" || decision.action === "distinct") yield* settlePair(tx, task, decision.action)
          // A person's approve or reject of a match teaches the seeker's own model (Feedback.ts).
          if (task.kind === "match" && (decision.action === "approve" || decision.action === "reject"))
            yield* recordFeedback(tx, task.seeker_id!, task.job_id, decision.action === "approve" ? "approved" : "rejected").pipe(
              Effect.catchTag("NoMatch", () => Effect.void)
            )
          yield* tx.query(
            `UPDATE review_tasks SET status = 'decided', outcome = $2, decision = $3, decided_by = $4, assignee = NULL,
               deadline = NULL, ended_at = now(), updated_at = now() WHERE task_id = $1`,
            [taskId, outcome, JSON.stringify(decision), reviewerId ?? `seeker:${task.seeker_id}`]
          )
          messages.push(eventOf("decided", task, { reviewerId, outcome, waitMs: Date.now() - task.created_at.getTime() }))
          yield* enqueue(tx, messages)
          return outcome
        })
      )

    const counts = Effect.map(
      db.rows(
        Schema.Struct({ pending: Schema.Number, assigned: Schema.Number }),
        `SELECT count(*) FILTER (WHERE status = 'pending')::int AS pending, count(*) FILTER (WHERE status = 'assigned')::int AS assigned
         FROM review_tasks WHERE status IN ('pending', 'assigned')`
      ),
      ([row]) => row ?? { pending: 0, assigned: 0 }
    )

    const openFor = (seekerId: string) =>
      Effect.map(
        db.rows(
          Schema.Struct({ task_id: Schema.String }),
          "SELECT task_id FROM review_tasks WHERE seeker_id = $1 AND status IN ('pending', 'assigned') ORDER BY due_at, task_id LIMIT 200",
          [seekerId]
        ),
        (found) => found.map((r) => r.task_id)
      )

    const resume = (resumeId: string) =>
      Effect.flatMap(
        db.rows(
          Schema.Struct({ resume_id: Schema.String, seeker_id: Schema.String, body: Schema.String }),
          "SELECT resume_id, seeker_id, body FROM resumes WHERE resume_id = $1",
          [resumeId]
        ),
        ([found]) =>
          found ? Effect.succeed({ resumeId: found.resume_id, seekerId: found.seeker_id, text: found.body }) : Effect.fail(new ResumeNotFound({ resumeId }))
      )

    const contact = (seekerId: string) =>
      Effect.flatMap(
        db.rows(Schema.Struct({ name: Schema.String, email: Schema.NullOr(Schema.String) }), "SELECT name, email FROM seekers WHERE seeker_id = $1", [
          seekerId
        ]),
        ([found]) => (found ? Effect.succeed({ seekerId, name: found.name, email: found.email }) : Effect.fail(new SeekerNotFound({ seekerId })))
      )

    return ReviewDesk.of({ settings, claim, held, heldBy, sweep, decide, counts, openFor, resume, contact })
  })

export const layer = Layer.effect(ReviewDesk, Effect.flatMap(DeskSettings, make))

const rows = (tx: Sql, sql: string, params: ReadonlyArray<unknown> = []) => tx.rows(TaskRow, sql, params)

const outcomeOf = (task: TaskRow, decision: Exclude<Decision, { action: "release" }>) => {
  const fits = task.kind === "match" ? decision.action === "approve" || decision.action === "reject" : decision.action === "merge" || decision.action === "distinct"
  if (!fits) return Effect.fail(new TaskConflict({ message: `a ${task.kind} task cannot be decided with ${decision.action}` }))
  const outcome: TaskOutcome = decision.action === "approve" ? "approved" : decision.action === "reject" ? "rejected" : decision.action === "merge" ? "merged" : "distinct"
  return Effect.succeed(outcome)
}

/** The resume to apply with: one the reviewer picked (the seeker's own), one uploaded as text, or the match's. */
const resumeFor = (tx: Sql, task: TaskRow, decision: Extract<Decision, { action: "approve" }>) =>
  Effect.gen(function* () {
    const seekerId = task.seeker_id!
    if (decision.resumeText !== undefined) {
      const resumeId = `res_${randomUUID()}`
      const textHash = createHash("sha256").update(decision.resumeText).digest("hex")
      yield* tx.query(
        `INSERT INTO resumes (resume_id, seeker_id, filename, content_type, body, text_hash, is_primary)
         VALUES ($1, $2, 'reviewed.txt', 'text/plain', $3, $4, false)`,
        [resumeId, seekerId, decision.resumeText, textHash]
      )
      return resumeId
    }
    if (decision.resumeId !== undefined) {
      const found = yield* tx.query("SELECT 1 FROM resumes WHERE resume_id = $1 AND seeker_id = $2", [decision.resumeId, seekerId])
      if (found.length === 0) return yield* new TaskConflict({ message: `resume ${decision.resumeId} is not this seeker's` })
      return decision.resumeId
    }
    const [match] = yield* tx.query<{ resume_id: string }>("SELECT resume_id FROM matches WHERE seeker_id = $1 AND job_id = $2", [
      seekerId,
      task.job_id
    ])
    if (!match) return yield* new TaskConflict({ message: "the match this task was about is gone" })
    return match.resume_id
  })

/**
 * A dedup pair decided: its review row says so, and a merge files the posting under its candidate's job, as the
 * near-duplicate it was flagged as (the layer that found it; a person confirmed it). Another reason would not be
 * one the job listing's schema knows: a first version wrote `review`, and `GET /jobs` answered 500.
 */
const settlePair = (tx: Sql, task: TaskRow, action: "merge" | "distinct") =>
  Effect.gen(function* () {
    yield* tx.query("UPDATE dedup_reviews SET status = $3 WHERE job_id = $1 AND candidate_id = $2", [
      task.job_id,
      task.candidate_id,
      action === "merge" ? "merged" : "distinct"
    ])
    if (action === "merge")
      yield* tx.query(
        `INSERT INTO job_duplicates (job_id, duplicate_of, source, reason, similarity, detected_at, url)
         SELECT j.job_id, $2, j.source, 'near-duplicate', $3, now(), j.url FROM jobs j WHERE j.job_id = $1
         ON CONFLICT (job_id) DO NOTHING`,
        [task.job_id, task.candidate_id, task.score / 100]
      )
  })
