import { Schema } from "effect"
import { Text, Timestamp } from "./common.js"

/**
 * What a seeker is told of: a new match at or above their threshold, a move of one of their applications, a
 * follow-up that has come due, an approval by a reviewer, and their webhook being turned off after failing.
 */
export const NotificationKind = Schema.Literal("match", "application_status", "followup_due", "approved", "webhook_disabled").annotations({
  identifier: "NotificationKind"
})
export type NotificationKind = typeof NotificationKind.Type

/** A channel a notification goes out on besides the seeker's live stream, which shows every notification. */
export const Channel = Schema.Literal("webhook", "email").annotations({ identifier: "NotificationChannel" })
export type Channel = typeof Channel.Type

export const DeliveryState = Schema.Literal("pending", "sent", "failed")

/**
 * One notification, as the API, the live stream and the webhook show it. `notificationId` is derived from what
 * it is about (the seeker and job of a match, the application event, ...), so a replay of the same event is the
 * same notification and is sent no second time; the webhook sends it as `webhook-id`, the email as its Message-ID.
 */
export const Notification = Schema.Struct({
  notificationId: Schema.String,
  kind: NotificationKind,
  createdAt: Timestamp,
  title: Schema.String,
  body: Schema.String,
  jobId: Schema.NullOr(Schema.String),
  applicationId: Schema.NullOr(Schema.String),
  /** The facts behind it: the score of a match, the statuses of a move, the reason a webhook was turned off. */
  data: Schema.Record({ key: Schema.String, value: Schema.Unknown }),
  /** How each of its channels went. */
  deliveries: Schema.Array(
    Schema.Struct({
      channel: Channel,
      state: DeliveryState,
      attempts: Schema.Number,
      dueAt: Timestamp,
      sentAt: Schema.NullOr(Timestamp),
      lastError: Schema.NullOr(Schema.String)
    })
  )
}).annotations({ identifier: "Notification" })
export type Notification = typeof Notification.Type

export const NotificationsPage = Schema.Struct({
  items: Schema.Array(Notification),
  /** Pass as `before` for the next (older) page; null on the last one. */
  nextBefore: Schema.NullOr(Schema.Number)
}).annotations({ identifier: "NotificationsPage" })

export const NotificationsQuery = Schema.Struct({
  before: Schema.optional(Schema.NumberFromString.pipe(Schema.int(), Schema.positive())),
  limit: Schema.optional(Schema.NumberFromString.pipe(Schema.int(), Schema.between(1, 100)))
}).annotations({ identifier: "NotificationsQuery" })

/** `HH:MM`, 24-hour. */
const ClockTime = Schema.String.pipe(Schema.pattern(/^([01]\d|2[0-3]):[0-5]\d$/))

const isTimeZone = (zone: string) => {
  try {
    new Intl.DateTimeFormat("en-GB", { timeZone: zone })
    return true
  } catch {
    return false
  }
}

/** An IANA time zone name the runtime knows (`Europe/Berlin`, `America/New_York`, `UTC`). */
export const TimeZone = Text.pipe(
  Schema.minLength(1),
  Schema.maxLength(64),
  Schema.filter((zone) => isTimeZone(zone) || "must be an IANA time zone name, such as Europe/Berlin", {
    arbitrary: () => (fc) => fc.constantFrom("UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Pacific/Chatham")
  })
)

export const QuietHours = Schema.Struct({ from: ClockTime, to: ClockTime }).pipe(
  Schema.filter((q) => q.from !== q.to || "from and to must differ"),
  Schema.annotations({ identifier: "QuietHours" })
)
export type QuietHours = typeof QuietHours.Type

/**
 * `PUT /seekers/me/notifications/settings`. Every field optional: what is left out stays as it was.
 * - `matchThreshold`: a match scoring at least this notifies (default 70).
 * - `webhookUrl`: where to POST notifications (null: none). Setting it (again) makes a new signing secret, shown
 *   in the answer once, and turns a webhook that was disabled back on.
 * - `email`: send notifications to the seeker's email address (the server must have SMTP configured).
 * - `quietHours`: webhook and email wait until the end of this window of the seeker's day (null: none).
 * - `digestAt`: email comes once a day at this time, all of the day's notifications in one message (null: each
 *   notification as it comes).
 * - `timeZone`: the zone `quietHours` and `digestAt` are read in (default UTC).
 */
export const NotificationSettingsInput = Schema.Struct({
  matchThreshold: Schema.optional(Schema.Number.pipe(Schema.int(), Schema.between(0, 100))),
  webhookUrl: Schema.optional(
    Schema.NullOr(Text.pipe(Schema.maxLength(2000), Schema.pattern(/^https?:\/\/[^\s]+$/, { message: () => "must be an http(s) URL" })))
  ),
  email: Schema.optional(Schema.Boolean),
  quietHours: Schema.optional(Schema.NullOr(QuietHours)),
  digestAt: Schema.optional(Schema.NullOr(ClockTime)),
  timeZone: Schema.optional(TimeZone)
}).annotations({ identifier: "NotificationSettingsInput" })
export type NotificationSettingsInput = typeof NotificationSettingsInput.Type

export const WebhookState = Schema.Literal("active", "disabled")

export const NotificationSettings = Schema.Struct({
  matchThreshold: Schema.Number,
  webhook: Schema.NullOr(
    Schema.Struct({
      url: Schema.String,
      state: WebhookState,
      /** Failed deliveries in a row; at the limit the webhook is disabled. */
      failures: Schema.Number,
      disabledAt: Schema.NullOr(Timestamp),
      disabledReason: Schema.NullOr(Schema.String)
    })
  ),
  email: Schema.Struct({
    enabled: Schema.Boolean,
    /** Where it goes: the address the seeker signed up with (null: none, so nothing is sent). */
    address: Schema.NullOr(Schema.String),
    /** Whether this server can send email at all (SMTP configured). */
    available: Schema.Boolean
  }),
  quietHours: Schema.NullOr(QuietHours),
  digestAt: Schema.NullOr(Schema.String),
  timeZone: Schema.String,
  /** Only in the answer that made it: the secret webhook signatures are made with. Keep it; it is not shown again. */
  webhookSecret: Schema.optional(Schema.String)
}).annotations({ identifier: "NotificationSettings" })
export type NotificationSettings = typeof NotificationSettings.Type
