import { randomUUID } from "node:crypto"
import { Clock, Context, Data, Effect, Layer, Schema } from "effect"
import {
  ApplicationEventsTopic,
  ApplicationStatus,
  awaitingEmployer,
  canMove,
  transitions,
  type ApplicationEvent,
  type ApplicationMove,
  type ApplicationView,
  type FollowupSettings,
  type HistoryEntry,
  type NewApplication,
  type StalledApplication
} from "../schemas/Application.js"
import { encode, hashId } from "../schemas/Envelope.js"
import { Postgres, type PostgresError, type RowDecodeError, type Sql } from "../stack/Postgres.js"
import { enqueue } from "../stack/outbox.js"
import { applicationOutcome, recordFeedback } from "./Feedback.js"

// Their HTTP statuses are in httpErrors.ts's `statusOf`, with every other error's.

/** An application id that is not one of this seeker's (another seeker's looks the same: never revealed). */
export class ApplicationNotFound extends Data.TaggedError("ApplicationNotFound")<{ readonly applicationId: string }> {
  override get message() {
    return `no application ${this.applicationId} among this seeker's applications`
  }
}

/** An application for a job the `jobs` table does not hold (422): the client must pick an existing job. */
export class UnknownJob extends Data.TaggedError("UnknownJob")<{ readonly jobId: string }> {
  override get message() {
    return `job ${this.jobId} does not exist: apply to a job that GET /jobs lists`
  }
}

/** A move the status machine does not allow from where the application stands (409). */
export class InvalidTransition extends Data.TaggedError("InvalidTransition")<{
  readonly current: ApplicationStatus
  readonly to: ApplicationStatus
}> {
  override get message() {
    const allowed = transitions[this.current]
    return allowed.length === 0
      ? `the application is ${this.current}, which is final: it cannot move to ${this.to} or anywhere else`
      : `cannot move from ${this.current} to ${this.to}; from ${this.current} the allowed moves are: ${allowed.join(", ")}`
  }
}

/**
 * The move's precondition failed (409): the application is no longer at `expectedStatus`, or its `requestId`
 * was spent on another move. The client should reload the application and decide again.
 */
export class StatusConflict extends Data.TaggedError("StatusConflict")<{ readonly reason: string }> {
  override get message() {
    return `${this.reason}: reload the application and decide again`
  }
}

export interface ListQuery {
  readonly status?: ApplicationStatus | undefined
  readonly limit: number
  readonly offset: number
}

export interface StalledList {
  readonly stallDays: number
  readonly asOf: string
  readonly items: ReadonlyArray<StalledApplication>
}

type Failure = PostgresError | RowDecodeError

/**
 * A seeker's job applications and their status machine (`transitions` in schemas/Application.ts). Every
 * transition, the creation included, is written to `application_history` and its `applications.events` event
 * to the outbox in one PostgreSQL transaction (stack/outbox.ts): a committed move always gets its event on
 * Kafka, a rolled-back one never does. The event id is the application id and sequence, so the relay's re-send
 * after a crash carries the id a consumer already has.
 *
 * Time comes from Effect's `Clock`: transitions are stamped with it and "stalled" is judged against it, so tests
 * move time with a clock of their own. Stalled is computed when read (no sweep, no column): an application
 * waiting on the employer (`awaitingEmployer`) whose status has not changed for the seeker's `stall_days`.
 */
export class Applications extends Context.Tag("jobstream/Applications")<
  Applications,
  {
    /** Creates the seeker's application for the job, or returns the one they have (`created: false`), unchanged. */
    readonly create: (
      seekerId: string,
      input: NewApplication
    ) => Effect.Effect<{ application: ApplicationView; created: boolean }, UnknownJob | Failure>
    readonly move: (
      seekerId: string,
      applicationId: string,
      move: ApplicationMove
    ) => Effect.Effect<
      { application: ApplicationView; replayed: boolean },
      ApplicationNotFound | InvalidTransition | StatusConflict | Failure
    >
    readonly get: (seekerId: string, applicationId: string) => Effect.Effect<ApplicationView, ApplicationNotFound | Failure>
    readonly list: (seekerId: string, query: ListQuery) => Effect.Effect<Array<ApplicationView>, Failure>
    readonly history: (
      seekerId: string,
      applicationId: string
    ) => Effect.Effect<Array<HistoryEntry>, ApplicationNotFound | Failure>
    /** The seeker's stalled applications, longest-waiting first, with what a follow-up draft needs. */
    readonly stalled: (seekerId: string) => Effect.Effect<StalledList, Failure>
    readonly followupSettings: (seekerId: string) => Effect.Effect<FollowupSettings, Failure>
    readonly setFollowupSettings: (seekerId: string, settings: FollowupSettings) => Effect.Effect<FollowupSettings, PostgresError>
  }
>() {}

export const make = Effect.gen(function* () {
  const db = yield* Postgres

  const publish = (tx: Sql, event: Omit<ApplicationEvent, "eventId">) =>
    enqueue(tx, [encode(ApplicationEventsTopic, { eventId: applicationEventId(event.applicationId, event.sequence), ...event })])

  const views = (sql: Sql, where: string, params: ReadonlyArray<unknown>, tail = "") =>
    Effect.flatMap(sql.rows(ViewRow, `${selectViews} WHERE ${where} ${tail}`, params), (rows) =>
      Effect.map(now, (at) => rows.map((row) => toView(row, at)))
    )

  const one = (seekerId: string, applicationId: string) =>
    Effect.flatMap(views(db, "a.application_id = $1 AND a.seeker_id = $2", [applicationId, seekerId]), ([view]) =>
      view ? Effect.succeed(view) : Effect.fail(new ApplicationNotFound({ applicationId }))
    )

  const stallDaysOf = (seekerId: string) =>
    Effect.map(
      db.rows(Schema.Struct({ stall_days: Schema.Number }), "SELECT stall_days FROM seekers WHERE seeker_id = $1", [seekerId]),
      ([row]) => row?.stall_days ?? defaultStallDays
    )

  return Applications.of({
    create: (seekerId, input) =>
      Effect.gen(function* () {
        const at = yield* now
        const status = input.status ?? "saved"
        const applicationId = randomUUID()
        const created = yield* db.transaction((tx) =>
          Effect.gen(function* () {
            const [job] = yield* tx.rows(Schema.Struct({ source: Schema.String }), "SELECT source FROM jobs WHERE job_id = $1", [
              input.jobId
            ])
            if (!job) return yield* new UnknownJob({ jobId: input.jobId })
            // A concurrent create of the same (seeker, job) waits here for the other to commit, then inserts nothing.
            const inserted = yield* tx.query(
              `INSERT INTO applications (application_id, seeker_id, job_id, status, sequence, created_at, status_changed_at)
               VALUES ($1, $2, $3, $4, 1, $5, $5)
               ON CONFLICT (seeker_id, job_id) DO NOTHING
               RETURNING application_id`,
              [applicationId, seekerId, input.jobId, status, at]
            )
            if (inserted.length === 0) return false
            yield* tx.query(
              `INSERT INTO application_history (application_id, sequence, from_status, to_status, at, note)
               VALUES ($1, 1, NULL, $2, $3, $4)`,
              [applicationId, status, at, input.note ?? null]
            )
            yield* publish(tx, {
              applicationId,
              seekerId,
              jobId: input.jobId,
              source: job.source,
              sequence: 1,
              from: null,
              to: status,
              at: at.toISOString()
            })
            return true
          })
        )
        const [application] = yield* views(db, "a.seeker_id = $1 AND a.job_id = $2", [seekerId, input.jobId])
        if (!application) return yield* Effect.dieMessage(`application of ${seekerId} for ${input.jobId} vanished`)
        return { application, created }
      }).pipe(Effect.withSpan("Applications.create")),

    move: (seekerId, applicationId, move) =>
      Effect.gen(function* () {
        const at = yield* now
        const replayed = yield* db.transaction((tx) =>
          Effect.gen(function* () {
            const [row] = yield* tx.rows(
              Schema.Struct({ status: ApplicationStatus, sequence: Schema.Number, job_id: Schema.String, source: Schema.String }),
              `SELECT a.status, a.sequence, a.job_id, j.source
               FROM applications a JOIN jobs j USING (job_id)
               WHERE a.application_id = $1 AND a.seeker_id = $2
               FOR UPDATE OF a`,
              [applicationId, seekerId]
            )
            if (!row) return yield* new ApplicationNotFound({ applicationId })
            const current = row.status
            if (move.requestId !== undefined) {
              const [done] = yield* tx.rows(
                Schema.Struct({ to_status: ApplicationStatus }),
                "SELECT to_status FROM application_history WHERE application_id = $1 AND request_id = $2",
                [applicationId, move.requestId]
              )
              if (done && done.to_status === move.to) return true
              if (done)
                return yield* new StatusConflict({
                  reason: `requestId ${move.requestId} already moved this application to ${done.to_status}, not ${move.to}`
                })
            }
            if (move.expectedStatus !== undefined && move.expectedStatus !== current)
              return yield* new StatusConflict({ reason: `the application is ${current}, not ${move.expectedStatus} as expected` })
            if (!canMove(current, move.to)) return yield* new InvalidTransition({ current, to: move.to })
            const sequence = row.sequence + 1
            yield* tx.query(
              `INSERT INTO application_history (application_id, sequence, from_status, to_status, at, note, request_id)
               VALUES ($1, $2, $3, $4, $5, $6, $7)`,
              [applicationId, sequence, current, move.to, at, move.note ?? null, move.requestId ?? null]
            )
            yield* tx.query(
              "UPDATE applications SET status = $2, sequence = $3, status_changed_at = $4 WHERE application_id = $1",
              [applicationId, move.to, sequence, at]
            )
            yield* publish(tx, {
              applicationId,
              seekerId,
              jobId: row.job_id,
              source: row.source,
              sequence,
              from: current,
              to: move.to,
              at: at.toISOString()
            })
            // How it went teaches the seeker's own model (Feedback.ts); a job that is no match of theirs, nothing.
            const outcome = applicationOutcome(current, move.to)
            if (outcome !== null) yield* recordFeedback(tx, seekerId, row.job_id, outcome).pipe(Effect.catchTag("NoMatch", () => Effect.void))
            return false
          })
        )
        return { application: yield* one(seekerId, applicationId), replayed }
      }).pipe(Effect.withSpan("Applications.move")),

    get: (seekerId, applicationId) => one(seekerId, applicationId).pipe(Effect.withSpan("Applications.get")),

    list: (seekerId, query) => {
      const params: Array<unknown> = [seekerId]
      const bind = (value: unknown) => `$${params.push(value)}`
      const where = ["a.seeker_id = $1"]
      if (query.status) where.push(`a.status = ${bind(query.status)}`)
      return views(
        db,
        where.join(" AND "),
        params,
        `ORDER BY a.status_changed_at DESC, a.application_id LIMIT ${bind(query.limit)} OFFSET ${bind(query.offset)}`
      ).pipe(Effect.withSpan("Applications.list"))
    },

    history: (seekerId, applicationId) =>
      db
        .rows(
          HistoryRow,
          `SELECT h.sequence, h.from_status, h.to_status, h.at, h.note
           FROM application_history h JOIN applications a USING (application_id)
           WHERE a.application_id = $1 AND a.seeker_id = $2
           ORDER BY h.sequence`,
          [applicationId, seekerId]
        )
        .pipe(
          // Every application has its creation in the history: no rows means not this seeker's application.
          Effect.filterOrFail(
            (rows) => rows.length > 0,
            () => new ApplicationNotFound({ applicationId })
          ),
          Effect.map((rows) =>
            rows.map((r) => ({
              sequence: r.sequence,
              from: r.from_status,
              to: r.to_status,
              at: r.at.toISOString(),
              note: r.note
            }))
          ),
          Effect.withSpan("Applications.history")
        ),

    stalled: (seekerId) =>
      Effect.gen(function* () {
        const at = yield* now
        const stallDays = yield* stallDaysOf(seekerId)
        const rows = yield* db.rows(
          StalledRow,
          `SELECT a.application_id, a.job_id, j.title, j.company, j.url, a.status, a.status_changed_at,
                  s.name AS seeker_name,
                  (SELECT min(h.at) FROM application_history h
                   WHERE h.application_id = a.application_id AND h.to_status <> 'saved') AS applied_at
           FROM applications a JOIN jobs j USING (job_id) JOIN seekers s USING (seeker_id)
           WHERE a.seeker_id = $1 AND a.status = ANY($2)
           ORDER BY a.status_changed_at, a.application_id`,
          [seekerId, awaitingEmployer]
        )
        const items = rows
          .filter((r) => isStalled(r.status, r.status_changed_at, at, stallDays))
          .map(
            (r): StalledApplication => ({
              applicationId: r.application_id,
              jobId: r.job_id,
              title: r.title,
              company: r.company,
              url: r.url,
              status: r.status,
              seekerName: r.seeker_name,
              appliedOn: (r.applied_at ?? r.status_changed_at).toISOString().slice(0, 10),
              lastChangeAt: r.status_changed_at.toISOString(),
              daysSinceChange: daysBetween(r.status_changed_at, at)
            })
          )
        return { stallDays, asOf: at.toISOString(), items }
      }).pipe(Effect.withSpan("Applications.stalled")),

    followupSettings: (seekerId) => Effect.map(stallDaysOf(seekerId), (stallDays) => ({ stallDays })),

    setFollowupSettings: (seekerId, settings) =>
      db
        .query("UPDATE seekers SET stall_days = $2, updated_at = now() WHERE seeker_id = $1", [seekerId, settings.stallDays])
        .pipe(Effect.as(settings))
  })
})

export const layer = Layer.effect(Applications, make)

export const defaultStallDays = 14

/** Deterministic per transition: a re-send of the same transition carries the same id. */
export const applicationEventId = (applicationId: string, sequence: number) =>
  hashId("application", applicationId, String(sequence))

const dayMs = 24 * 60 * 60 * 1000

/** Whole days from `from` to `to`, never negative. */
export const daysBetween = (from: Date, to: Date) => Math.max(0, Math.floor((to.getTime() - from.getTime()) / dayMs))

/** Stalled: waiting on the employer, with no status change for `stallDays` days or more. */
export const isStalled = (status: ApplicationStatus, changedAt: Date, now: Date, stallDays: number) =>
  awaitingEmployer.includes(status) && now.getTime() - changedAt.getTime() >= stallDays * dayMs

const now = Effect.map(Clock.currentTimeMillis, (ms) => new Date(ms))

const ViewRow = Schema.Struct({
  application_id: Schema.String,
  job_id: Schema.String,
  title: Schema.String,
  company: Schema.String,
  url: Schema.String,
  source: Schema.String,
  status: ApplicationStatus,
  sequence: Schema.Number,
  created_at: Schema.DateFromSelf,
  status_changed_at: Schema.DateFromSelf,
  stall_days: Schema.Number
})

const HistoryRow = Schema.Struct({
  sequence: Schema.Number,
  from_status: Schema.NullOr(ApplicationStatus),
  to_status: ApplicationStatus,
  at: Schema.DateFromSelf,
  note: Schema.NullOr(Schema.String)
})

/** `applied_at` is the first move past `saved`: NULL while the application was only saved. */
const StalledRow = Schema.Struct({
  application_id: Schema.String,
  job_id: Schema.String,
  title: Schema.String,
  company: Schema.String,
  url: Schema.String,
  status: ApplicationStatus,
  status_changed_at: Schema.DateFromSelf,
  seeker_name: Schema.String,
  applied_at: Schema.NullOr(Schema.DateFromSelf)
})

const selectViews = `
  SELECT a.application_id, a.job_id, j.title, j.company, j.url, j.source, a.status, a.sequence, a.created_at,
         a.status_changed_at, s.stall_days
  FROM applications a JOIN jobs j USING (job_id) JOIN seekers s USING (seeker_id)`

const toView = (r: typeof ViewRow.Type, at: Date): ApplicationView => ({
  applicationId: r.application_id,
  jobId: r.job_id,
  title: r.title,
  company: r.company,
  url: r.url,
  source: r.source,
  status: r.status,
  sequence: r.sequence,
  createdAt: r.created_at.toISOString(),
  statusChangedAt: r.status_changed_at.toISOString(),
  daysSinceChange: daysBetween(r.status_changed_at, at),
  stalled: isStalled(r.status, r.status_changed_at, at, r.stall_days),
  allowedNext: transitions[r.status]
})
