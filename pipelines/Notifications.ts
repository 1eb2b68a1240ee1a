import { Effect, Schema } from "effect"
import type { Notification, NotificationSettings, NotificationSettingsInput } from "../schemas/Notification.js"
import { emailAvailable } from "../sinks/email.js"
import { defaultMatchThreshold } from "../sinks/notifications.js"
import { clockOf, minutesOf } from "../sinks/notificationTimes.js"
import { newSecret } from "../sinks/webhook.js"
import { Postgres, type Sql } from "../stack/Postgres.js"

const SettingsRow = Schema.Struct({
  email: Schema.NullOr(Schema.String),
  match_threshold: Schema.NullOr(Schema.Number),
  webhook_url: Schema.NullOr(Schema.String),
  webhook_state: Schema.NullOr(Schema.Literal("active", "disabled")),
  webhook_failures: Schema.NullOr(Schema.Number),
  webhook_disabled_at: Schema.NullOr(Schema.DateFromSelf),
  webhook_disabled_reason: Schema.NullOr(Schema.String),
  email_enabled: Schema.NullOr(Schema.Boolean),
  quiet_from: Schema.NullOr(Schema.Number),
  quiet_to: Schema.NullOr(Schema.Number),
  digest_at: Schema.NullOr(Schema.Number),
  time_zone: Schema.NullOr(Schema.String)
})

const readSettings = (db: Sql, seekerId: string) =>
  Effect.gen(function* () {
    const [r] = yield* db.rows(
      SettingsRow,
      `SELECT s.email, n.match_threshold, n.webhook_url, n.webhook_state, n.webhook_failures, n.webhook_disabled_at,
              n.webhook_disabled_reason, n.email_enabled, n.quiet_from, n.quiet_to, n.digest_at, n.time_zone
       FROM seekers s LEFT JOIN notification_settings n USING (seeker_id) WHERE s.seeker_id = $1`,
      [seekerId]
    )
    const available = yield* emailAvailable
    return {
      matchThreshold: r?.match_threshold ?? defaultMatchThreshold,
      webhook:
        r?.webhook_url == null
          ? null
          : {
              url: r.webhook_url,
              state: r.webhook_state ?? "active",
              failures: r.webhook_failures ?? 0,
              disabledAt: r.webhook_disabled_at?.toISOString() ?? null,
              disabledReason: r.webhook_disabled_reason
            },
      email: { enabled: r?.email_enabled ?? false, address: r?.email ?? null, available },
      quietHours: r?.quiet_from == null || r.quiet_to == null ? null : { from: clockOf(r.quiet_from), to: clockOf(r.quiet_to) },
      digestAt: r?.digest_at == null ? null : clockOf(r.digest_at),
      timeZone: r?.time_zone ?? "UTC"
    } satisfies NotificationSettings
  })

/** The seeker's notification settings, their webhook's state among them (disabled, and why). */
export const notificationSettings = (seekerId: string) => Effect.flatMap(Postgres, (db) => readSettings(db, seekerId))

/**
 * Changes what was given and keeps the rest. A webhook URL given (even the same one) gets a new secret, shown in
 * this answer only, and is active again with no failures counted.
 */
export const updateNotificationSettings = (seekerId: string, input: NotificationSettingsInput) =>
  Effect.flatMap(Postgres, (db) =>
    db.transaction((tx) =>
      Effect.gen(function* () {
        const secret = input.webhookUrl === undefined || input.webhookUrl === null ? null : newSecret()
        const quiet = input.quietHours === undefined ? undefined : input.quietHours
        yield* tx.query(
          `INSERT INTO notification_settings AS n (seeker_id) VALUES ($1) ON CONFLICT (seeker_id) DO NOTHING`,
          [seekerId]
        )
        yield* tx.query(
          `UPDATE notification_settings SET
             match_threshold = coalesce($2, match_threshold),
             webhook_url = CASE WHEN $3 THEN $4 ELSE webhook_url END,
             webhook_secret = CASE WHEN $3 THEN $5 ELSE webhook_secret END,
             webhook_state = CASE WHEN $3 THEN 'active' ELSE webhook_state END,
             webhook_failures = CASE WHEN $3 THEN 0 ELSE webhook_failures END,
             webhook_disabled_at = CASE WHEN $3 THEN NULL ELSE webhook_disabled_at END,
             webhook_disabled_reason = CASE WHEN $3 THEN NULL ELSE webhook_disabled_reason END,
             email_enabled = coalesce($6, email_enabled),
             quiet_from = CASE WHEN $7 THEN $8 ELSE quiet_from END,
             quiet_to = CASE WHEN $7 THEN $9 ELSE quiet_to END,
             digest_at = CASE WHEN $10 THEN $11 ELSE digest_at END,
             time_zone = coalesce($12, time_zone),
             updated_at = now()
           WHERE seeker_id = $1`,
          [
            seekerId,
            input.matchThreshold ?? null,
            input.webhookUrl !== undefined,
            input.webhookUrl ?? null,
            secret,
            input.email ?? null,
            quiet !== undefined,
            quiet ? minutesOf(quiet.from) : null,
            quiet ? minutesOf(quiet.to) : null,
            input.digestAt !== undefined,
            input.digestAt ? minutesOf(input.digestAt) : null,
            input.timeZone ?? null
          ]
        )
        const settings = yield* readSettings(tx, seekerId)
        return secret === null ? settings : { ...settings, webhookSecret: secret }
      })
    )
  )

const NotificationRow = Schema.Struct({
  id: Schema.NumberFromString,
  notification_id: Schema.String,
  kind: Schema.Literal("match", "application_status", "followup_due", "approved", "webhook_disabled"),
  created_at: Schema.DateFromSelf,
  title: Schema.String,
  body: Schema.String,
  job_id: Schema.NullOr(Schema.String),
  application_id: Schema.NullOr(Schema.String),
  data: Schema.Record({ key: Schema.String, value: Schema.Unknown }),
  deliveries: Schema.Array(
    Schema.Struct({
      channel: Schema.Literal("webhook", "email"),
      state: Schema.Literal("pending", "sent", "failed"),
      attempts: Schema.Number,
      dueAt: Schema.String,
      sentAt: Schema.NullOr(Schema.String),
      lastError: Schema.NullOr(Schema.String)
    })
  )
})

/** A notification as the API and the live stream show it, with the stream position it is at. */
export interface Positioned {
  readonly id: number
  readonly seekerId: string
  readonly notification: Notification
}

const iso = (text: string) => new Date(text).toISOString()

const selectNotifications = (where: string) => `
  SELECT n.id, n.seeker_id, n.notification_id, n.kind, n.created_at, n.title, n.body, n.job_id, n.application_id, n.data,
    coalesce((SELECT jsonb_agg(jsonb_build_object('channel', d.channel, 'state', d.state, 'attempts', d.attempts,
        'dueAt', d.due_at, 'sentAt', d.sent_at, 'lastError', d.last_error) ORDER BY d.channel)
      FROM notification_deliveries d WHERE d.notification_id = n.notification_id), '[]'::jsonb) AS deliveries
  FROM notifications n WHERE ${where}`

const positioned = (rows: ReadonlyArray<typeof NotificationRow.Type & { seeker_id: string }>): Array<Positioned> =>
  rows.map((r) => ({
    id: r.id,
    seekerId: r.seeker_id,
    notification: {
      notificationId: r.notification_id,
      kind: r.kind,
      createdAt: r.created_at.toISOString(),
      title: r.title,
      body: r.body,
      jobId: r.job_id,
      applicationId: r.application_id,
      data: r.data,
      deliveries: r.deliveries.map((d) => ({ ...d, dueAt: iso(d.dueAt), sentAt: d.sentAt === null ? null : iso(d.sentAt) }))
    }
  }))

const Row = Schema.extend(NotificationRow, Schema.Struct({ seeker_id: Schema.String }))

/** The seeker's notifications, newest first, `limit` of them before stream position `before`. */
export const listNotifications = (seekerId: string, limit: number, before: number | null) =>
  Effect.gen(function* () {
    const db = yield* Postgres
    const rows = yield* db.rows(
      Row,
      `${selectNotifications("n.seeker_id = $1 AND ($2::bigint IS NULL OR n.id < $2)")} ORDER BY n.id DESC LIMIT $3`,
      [seekerId, before, limit + 1]
    )
    const items = positioned(rows.slice(0, limit))
    return { items: items.map((p) => p.notification), nextBefore: rows.length > limit ? items[items.length - 1]!.id : null }
  })

/** The seeker's notifications after stream position `after`, oldest first: what a reconnecting stream missed. */
export const notificationsAfter = (seekerId: string, after: number, limit: number) =>
  Effect.flatMap(Postgres, (db) =>
    Effect.map(
      db.rows(Row, `${selectNotifications("n.seeker_id = $1 AND n.id > $2")} ORDER BY n.id LIMIT $3`, [seekerId, after, limit]),
      positioned
    )
  )

/**
 * The notifications of the given seekers recorded in the last `window`, oldest first: what the live streams poll.
 * By time rather than by position, because positions are taken when a transaction inserts and seen when it
 * commits, not always in order.
 */
export const recentNotifications = (seekerIds: ReadonlyArray<string>, windowSeconds: number) =>
  Effect.flatMap(Postgres, (db) =>
    Effect.map(
      db.rows(
        Row,
        `${selectNotifications("n.seeker_id = ANY($1::text[]) AND n.created_at > now() - make_interval(secs => $2)")} ORDER BY n.id`,
        [seekerIds, windowSeconds]
      ),
      positioned
    )
  )

/** The current end of the stream: a new live stream starts after it. */
export const lastPosition = Effect.flatMap(Postgres, (db) =>
  Effect.map(db.rows(Schema.Struct({ id: Schema.NullOr(Schema.NumberFromString) }), "SELECT max(id) AS id FROM notifications"), ([r]) => r?.id ?? 0)
)
