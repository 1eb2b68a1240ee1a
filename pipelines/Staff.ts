import { createHash, randomBytes, randomUUID } from "node:crypto"
import { Context, Data, Effect, Layer, Schema } from "effect"
import { encode, Topics } from "../schemas/Envelope.js"
import type { ReviewEvent } from "../schemas/Review.js"
import { enqueue } from "../stack/outbox.js"
import { Postgres, type PostgresError, type RowDecodeError } from "../stack/Postgres.js"
import { Unauthorized } from "./Seekers.js"

export type StaffRole = "reviewer" | "ops"

/** Who a staff key belongs to, as every desk and ops route sees it. */
export interface StaffMember {
  readonly staffId: string
  readonly name: string
  readonly role: StaffRole
  readonly maxActive: number
  readonly strikes: number
  readonly locked: boolean
}

/** A staff id that names no account. */
export class StaffNotFound extends Data.TaggedError("StaffNotFound")<{ readonly staffId: string }> {
  override get message() {
    return `no staff account ${this.staffId}`
  }
}

/** Heartbeats: online within `online` of the last one, away within `away`, offline after. */
export const presenceLimits = { onlineMs: 30_000, awayMs: 120_000 } as const

export type Presence = "online" | "away" | "offline"

export const presenceOf = (lastHeartbeat: Date | null, now: number): Presence => {
  if (lastHeartbeat === null) return "offline"
  const since = now - lastHeartbeat.getTime()
  return since <= presenceLimits.onlineMs ? "online" : since <= presenceLimits.awayMs ? "away" : "offline"
}

const hashKey = (key: string) => createHash("sha256").update(key).digest("hex")
const newKey = () => `jst_${randomBytes(32).toString("base64url")}`

const MemberRow = Schema.Struct({
  staff_id: Schema.String,
  name: Schema.String,
  role: Schema.Literal("reviewer", "ops"),
  max_active: Schema.Number,
  strikes: Schema.Number,
  locked: Schema.Boolean
})
const memberOf = (r: typeof MemberRow.Type): StaffMember => ({
  staffId: r.staff_id,
  name: r.name,
  role: r.role,
  maxActive: r.max_active,
  strikes: r.strikes,
  locked: r.locked
})
const memberColumns = "staff_id, name, role, max_active, strikes, locked_at IS NOT NULL AS locked"

type Failure = PostgresError | RowDecodeError

/**
 * Reviewer and ops-admin accounts, apart from seekers: each has one API key, of which only the SHA-256 is kept;
 * a new key replaces the old one, and a revoked key is refused like an unknown one. Unlocking a reviewer that the
 * SLA locked is an ops admin's act, published on `reviews.events` through the outbox like every desk step.
 */
export class Staff extends Context.Tag("jobstream/Staff")<
  Staff,
  {
    readonly create: (input: { name: string; role: StaffRole; maxActive?: number | undefined }) => Effect.Effect<{ staffId: string; apiKey: string }, Failure>
    readonly authenticate: (apiKey: string | undefined) => Effect.Effect<StaffMember, Unauthorized | Failure>
    readonly newKey: (staffId: string) => Effect.Effect<string, StaffNotFound | Failure>
    readonly revokeKey: (staffId: string) => Effect.Effect<void, StaffNotFound | Failure>
    readonly unlock: (staffId: string, by: string) => Effect.Effect<StaffMember, StaffNotFound | Failure>
    readonly heartbeat: (staffId: string) => Effect.Effect<void, Failure>
    readonly list: Effect.Effect<ReadonlyArray<StaffMember & { presence: Presence; active: number }>, Failure>
  }
>() {}

export const make = Effect.gen(function* () {
  const db = yield* Postgres

  const member = (staffId: string) =>
    Effect.flatMap(db.rows(MemberRow, `SELECT ${memberColumns} FROM staff WHERE staff_id = $1`, [staffId]), ([row]) =>
      row ? Effect.succeed(memberOf(row)) : Effect.fail(new StaffNotFound({ staffId }))
    )

  return Staff.of({
    create: ({ name, role, maxActive }) =>
      Effect.gen(function* () {
        const staffId = `st_${randomUUID()}`
        const apiKey = newKey()
        yield* db.query("INSERT INTO staff (staff_id, name, role, api_key_hash, max_active) VALUES ($1, $2, $3, $4, $5)", [
          staffId,
          name,
          role,
          hashKey(apiKey),
          maxActive ?? 1
        ])
        return { staffId, apiKey }
      }),

    authenticate: (apiKey) =>
      Effect.gen(function* () {
        if (!apiKey) return yield* new Unauthorized({ message: "send a staff API key as `Authorization: Bearer <key>`" })
        const [row] = yield* db.rows(
          MemberRow,
          `SELECT ${memberColumns} FROM staff WHERE api_key_hash = $1 AND revoked_at IS NULL`,
          [hashKey(apiKey)]
        )
        if (!row) return yield* new Unauthorized({ message: "this API key belongs to no staff account, or was revoked" })
        return memberOf(row)
      }),

    newKey: (staffId) =>
      Effect.gen(function* () {
        const apiKey = newKey()
        const updated = yield* db.query("UPDATE staff SET api_key_hash = $2, revoked_at = NULL WHERE staff_id = $1 RETURNING staff_id", [
          staffId,
          hashKey(apiKey)
        ])
        if (updated.length === 0) return yield* new StaffNotFound({ staffId })
        return apiKey
      }),

    revokeKey: (staffId) =>
      Effect.gen(function* () {
        const updated = yield* db.query("UPDATE staff SET revoked_at = now() WHERE staff_id = $1 RETURNING staff_id", [staffId])
        if (updated.length === 0) return yield* new StaffNotFound({ staffId })
      }),

    unlock: (staffId, by) =>
      Effect.gen(function* () {
        yield* db.transaction((tx) =>
          Effect.gen(function* () {
            const unlocked = yield* tx.query(
              "UPDATE staff SET locked_at = NULL, strikes = 0 WHERE staff_id = $1 AND locked_at IS NOT NULL RETURNING staff_id",
              [staffId]
            )
            if (unlocked.length === 0) return
            const event: ReviewEvent = {
              ...blankEvent,
              eventId: randomUUID(),
              type: "unlocked",
              at: new Date().toISOString(),
              reviewerId: staffId,
              strikes: 0
            }
            yield* enqueue(tx, [encode(Topics.reviewEvents, event)])
            yield* Effect.logInfo(`reviewer ${staffId} unlocked by ${by}`)
          })
        )
        return yield* member(staffId)
      }),

    heartbeat: (staffId) => db.query("UPDATE staff SET last_heartbeat_at = now() WHERE staff_id = $1", [staffId]).pipe(Effect.asVoid),

    list: Effect.gen(function* () {
      const rows = yield* db.rows(
        Schema.Struct({ ...MemberRow.fields, last_heartbeat_at: Schema.NullOr(Schema.DateFromSelf), active: Schema.Number }),
        `SELECT ${memberColumns}, last_heartbeat_at,
                (SELECT count(*)::int FROM review_tasks t WHERE t.assignee = s.staff_id AND t.status = 'assigned') AS active
         FROM staff s WHERE revoked_at IS NULL ORDER BY name, staff_id`
      )
      const now = Date.now()
      return rows.map((r) => ({ ...memberOf(r), presence: presenceOf(r.last_heartbeat_at, now), active: r.active }))
    })
  })
})

export const layer = Layer.effect(Staff, make)

/** A review event with nothing set but what every event has: callers fill in the rest. */
export const blankEvent: Omit<ReviewEvent, "eventId" | "type" | "at"> = {
  taskId: null,
  kind: null,
  reviewerId: null,
  seekerId: null,
  jobId: null,
  source: null,
  score: null,
  outcome: null,
  waitMs: null,
  strikes: null
}
