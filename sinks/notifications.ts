import { Effect, Schema } from "effect"
import { hashId } from "../schemas/Envelope.js"
import type { Channel, NotificationKind } from "../schemas/Notification.js"
import type { Sql } from "../stack/Postgres.js"
import { dueAt, type Timing } from "./notificationTimes.js"

/** A notification to record: its id is derived from what it is about, so recording it again adds nothing. */
export interface NotificationDraft {
  readonly notificationId: string
  readonly seekerId: string
  readonly kind: NotificationKind
  readonly title: string
  readonly body: string
  readonly jobId: string | null
  readonly applicationId: string | null
  readonly data: Readonly<Record<string, unknown>>
}

/** The match threshold of a seeker who set none. */
export const defaultMatchThreshold = 70

/** What deciding a seeker's notifications takes: their threshold, their channels and their timing. */
export interface SeekerChannels extends Timing {
  readonly seekerId: string
  readonly matchThreshold: number
  readonly webhook: boolean
  readonly email: boolean
}

const ChannelsRow = Schema.Struct({
  seeker_id: Schema.String,
  email: Schema.NullOr(Schema.String),
  match_threshold: Schema.NullOr(Schema.Number),
  webhook_url: Schema.NullOr(Schema.String),
  webhook_state: Schema.NullOr(Schema.String),
  email_enabled: Schema.NullOr(Schema.Boolean),
  quiet_from: Schema.NullOr(Schema.Number),
  quiet_to: Schema.NullOr(Schema.Number),
  digest_at: Schema.NullOr(Schema.Number),
  time_zone: Schema.NullOr(Schema.String)
})

/**
 * The seekers' channels, by seeker id; a seeker who is gone (erased) is absent, so nothing is recorded for them.
 * Email counts only when the seeker turned it on, gave an address, and this deployment can send mail.
 */
export const channelsOf = (tx: Sql, seekerIds: ReadonlyArray<string>, emailAvailable: boolean) =>
  Effect.map(
    tx.rows(
      ChannelsRow,
      `SELECT s.seeker_id, s.email, n.match_threshold, n.webhook_url, n.webhook_state, n.email_enabled, n.quiet_from,
              n.quiet_to, n.digest_at, n.time_zone
       FROM seekers s LEFT JOIN notification_settings n USING (seeker_id)
       WHERE s.seeker_id = ANY($1::text[])`,
      [[...new Set(seekerIds)]]
    ),
    (rows) =>
      new Map(
        rows.map((r): [string, SeekerChannels] => [
          r.seeker_id,
          {
            seekerId: r.seeker_id,
            matchThreshold: r.match_threshold ?? defaultMatchThreshold,
            webhook: r.webhook_url !== null && r.webhook_state === "active",
            email: emailAvailable && r.email_enabled === true && r.email !== null,
            quietFrom: r.quiet_from,
            quietTo: r.quiet_to,
            digestAt: r.digest_at,
            timeZone: r.time_zone ?? "UTC"
          }
        ])
      )
  )

/**
 * Records notifications and their deliveries, in the caller's transaction. A notification recorded before is
 * left alone and gets no new deliveries: a replayed event notifies nobody twice. Each new one gets a delivery
 * per channel the seeker has on, due now or when their quiet hours or digest say; the live stream needs none.
 * Returns how many were new.
 */
export const recordNotifications = (
  tx: Sql,
  drafts: ReadonlyArray<NotificationDraft>,
  channels: ReadonlyMap<string, SeekerChannels>,
  now: Date = new Date()
) =>
  Effect.gen(function* () {
    const wanted = drafts.filter((d) => channels.has(d.seekerId))
    if (wanted.length === 0) return 0
    const added = yield* tx.rows(
      Schema.Struct({ notification_id: Schema.String, seeker_id: Schema.String, kind: Schema.String }),
      `INSERT INTO notifications (notification_id, seeker_id, kind, title, body, job_id, application_id, data)
       SELECT n.notification_id, n.seeker_id, n.kind, n.title, n.body, n.job_id, n.application_id, n.data
       FROM jsonb_to_recordset($1::jsonb) AS n(notification_id text, seeker_id text, kind text, title text, body text,
         job_id text, application_id text, data jsonb)
       JOIN seekers s USING (seeker_id)
       ON CONFLICT (notification_id) DO NOTHING
       RETURNING notification_id, seeker_id, kind`,
      [
        JSON.stringify(
          wanted.map((d) => ({
            notification_id: d.notificationId,
            seeker_id: d.seekerId,
            kind: d.kind,
            title: d.title,
            body: d.body,
            job_id: d.jobId,
            application_id: d.applicationId,
            data: d.data
          }))
        )
      ]
    )
    const deliveries = added.flatMap((n) => {
      const seeker = channels.get(n.seeker_id)!
      const on: Array<Channel> = [
        // A webhook is not told that it was turned off: the seeker hears of it by email and on the stream.
        ...(seeker.webhook && n.kind !== "webhook_disabled" ? (["webhook"] as const) : []),
        ...(seeker.email ? (["email"] as const) : [])
      ]
      return on.map((channel) => {
        const due = dueAt(now, seeker, channel)
        return {
          notification_id: n.notification_id,
          channel,
          seeker_id: n.seeker_id,
          due_at: due.toISOString(),
          digest_id: channel === "email" && seeker.digestAt !== null ? hashId("digest", n.seeker_id, due.toISOString()) : null
        }
      })
    })
    if (deliveries.length > 0)
      yield* tx.query(
        `INSERT INTO notification_deliveries (notification_id, channel, seeker_id, due_at, digest_id)
         SELECT * FROM jsonb_to_recordset($1::jsonb)
           AS d(notification_id text, channel text, seeker_id text, due_at timestamptz, digest_id text)
         ON CONFLICT DO NOTHING`,
        [JSON.stringify(deliveries)]
      )
    return added.length
  })
