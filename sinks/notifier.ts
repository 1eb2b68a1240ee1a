import { Config, Duration, Effect, Option, Schedule, Schema } from "effect"
import { awaitingEmployer } from "../schemas/Application.js"
import { hashId } from "../schemas/Envelope.js"
import { Postgres, type Sql } from "../stack/Postgres.js"
import { StageMonitor } from "../stack/StageMonitor.js"
import { StageStats } from "../stack/stage.js"
import { mailer, smtpConfig } from "./email.js"
import { channelsOf, recordNotifications, type NotificationDraft } from "./notifications.js"
import { postWebhook, type WebhookSettings } from "./webhook.js"

/** The notifier's name in the StageMonitor, `/healthz`, `/metrics` and `JOBSTREAM_STAGES`. */
export const notifierName = "notifier"

export interface NotifierSettings extends WebhookSettings {
  /** Deliveries in flight at once, each on its own connection. */
  readonly workers: number
  /** The wait before looking again when nothing was due. */
  readonly idle: Duration.Duration
  /** The first retry's delay; each next one doubles it, up to an hour. */
  readonly retryBase: Duration.Duration
  /** Attempts of one delivery before it is given up as failed. */
  readonly maxAttempts: number
  /** Failed webhook deliveries in a row that disable a seeker's webhook. */
  readonly disableAfter: number
  /** How often applications are checked for a follow-up that came due. */
  readonly sweepEvery: Duration.Duration
}

export const settingsConfig: Config.Config<NotifierSettings> = Config.all({
  workers: Config.integer("JOBSTREAM_NOTIFIER_WORKERS").pipe(Config.withDefault(4)),
  idle: Config.succeed(Duration.millis(500)),
  retryBase: Config.duration("JOBSTREAM_NOTIFY_RETRY_BASE").pipe(Config.withDefault(Duration.seconds(30))),
  maxAttempts: Config.integer("JOBSTREAM_NOTIFY_MAX_ATTEMPTS").pipe(Config.withDefault(8)),
  disableAfter: Config.integer("JOBSTREAM_WEBHOOK_DISABLE_AFTER").pipe(Config.withDefault(5)),
  sweepEvery: Config.duration("JOBSTREAM_FOLLOWUP_SWEEP").pipe(Config.withDefault(Duration.minutes(1))),
  timeout: Config.duration("JOBSTREAM_WEBHOOK_TIMEOUT").pipe(Config.withDefault(Duration.seconds(10))),
  allowInternal: Config.boolean("JOBSTREAM_WEBHOOK_ALLOW_INTERNAL").pipe(Config.withDefault(false))
})

const Claimed = Schema.Struct({
  notification_id: Schema.String,
  channel: Schema.Literal("webhook", "email"),
  seeker_id: Schema.String,
  digest_id: Schema.NullOr(Schema.String),
  attempts: Schema.Number
})

const Content = Schema.Struct({
  notification_id: Schema.String,
  kind: Schema.String,
  created_at: Schema.DateFromSelf,
  title: Schema.String,
  body: Schema.String,
  job_id: Schema.NullOr(Schema.String),
  application_id: Schema.NullOr(Schema.String),
  data: Schema.Record({ key: Schema.String, value: Schema.Unknown })
})
type Content = typeof Content.Type

const Target = Schema.Struct({
  email: Schema.NullOr(Schema.String),
  webhook_url: Schema.NullOr(Schema.String),
  webhook_secret: Schema.NullOr(Schema.String),
  webhook_state: Schema.NullOr(Schema.String),
  email_enabled: Schema.NullOr(Schema.Boolean)
})

/** A notification as the webhook receives it (and the API shows it, without its deliveries). */
export const payloadOf = (n: Content) => ({
  notificationId: n.notification_id,
  kind: n.kind,
  createdAt: n.created_at.toISOString(),
  title: n.title,
  body: n.body,
  jobId: n.job_id,
  applicationId: n.application_id,
  data: n.data
})

const digestText = (items: ReadonlyArray<Content>) =>
  [`${items.length} ${items.length === 1 ? "notification" : "notifications"} since the last digest:`, ...items.map((n) => `- ${n.title}\n  ${n.body}`)].join("\n\n")

/**
 * What this process's workers are sending to, as `seeker channel`: a worker claims nothing for those, so one
 * seeker's slow webhook holds one worker at most and everyone else's notifications go on. Claims take turns (a
 * statement each), so two workers never claim for the same seeker at once.
 */
interface InFlight {
  readonly sending: Set<string>
  readonly claiming: Effect.Semaphore
}

const inFlightKey = (seekerId: string, channel: string) => `${seekerId} ${channel}`

/**
 * Delivers one due delivery (or one digest: all of its deliveries), inside one transaction that holds its rows
 * locked from the claim to the record of the outcome: another notifier skips them, and a notifier killed
 * mid-send leaves them pending, to be sent again with the same id. Returns whether there was anything due.
 */
const deliverOne = (settings: NotifierSettings, send: Senders, inFlight: InFlight) =>
  Effect.suspend(() => {
    let claimedKey: string | null = null
    return Effect.flatMap(Postgres, (db) =>
      db.transaction((tx) =>
        Effect.gen(function* () {
          // Suspended: what is in flight is read once this worker's turn to claim has come.
          const claim = Effect.suspend(() =>
            tx.rows(
              Claimed,
              `SELECT notification_id, channel, seeker_id, digest_id, attempts FROM notification_deliveries
               WHERE state = 'pending' AND due_at <= now() AND NOT (seeker_id || ' ' || channel = ANY($1::text[]))
               ORDER BY due_at, notification_id LIMIT 1 FOR UPDATE SKIP LOCKED`,
              [[...inFlight.sending]]
            )
          ).pipe(
            Effect.tap(([row]) =>
              Effect.sync(() => {
                if (row === undefined) return
                claimedKey = inFlightKey(row.seeker_id, row.channel)
                inFlight.sending.add(claimedKey)
              })
            )
          )
          const [first] = yield* inFlight.claiming.withPermits(1)(claim)
          if (first === undefined) return false
          const claimed =
            first.digest_id === null
              ? [first]
              : yield* tx.rows(
                  Claimed,
                  `SELECT notification_id, channel, seeker_id, digest_id, attempts FROM notification_deliveries
                   WHERE digest_id = $1 AND channel = 'email' AND state = 'pending' ORDER BY due_at, notification_id FOR UPDATE SKIP LOCKED`,
                  [first.digest_id]
                )
          const ids = claimed.map((c) => c.notification_id)
          const contents = yield* tx.rows(
            Content,
            `SELECT notification_id, kind, created_at, title, body, job_id, application_id, data FROM notifications
             WHERE notification_id = ANY($1::text[]) ORDER BY id`,
            [ids]
          )
          const [target] = yield* tx.rows(
            Target,
            `SELECT s.email, n.webhook_url, n.webhook_secret, n.webhook_state, n.email_enabled
             FROM seekers s LEFT JOIN notification_settings n USING (seeker_id) WHERE s.seeker_id = $1`,
            [first.seeker_id]
          )
          const outcome = yield* Effect.either(
            first.channel === "webhook"
              ? target?.webhook_url && target.webhook_secret && target.webhook_state === "active"
                ? send.webhook(target.webhook_url, target.webhook_secret, first.notification_id, JSON.stringify(payloadOf(contents[0]!)))
                : Effect.fail({ message: target?.webhook_state === "disabled" ? "the webhook was disabled" : "the webhook is turned off", final: true })
              : target?.email && target.email_enabled && Option.isSome(send.email)
                ? send.email.value({
                    to: target.email,
                    subject: first.digest_id === null ? contents[0]!.title : `jobstream digest: ${contents.length} ${contents.length === 1 ? "notification" : "notifications"}`,
                    text: first.digest_id === null ? contents[0]!.body : digestText(contents),
                    messageId: `<${first.digest_id ?? first.notification_id}@jobstream>`
                  })
                : Effect.fail({ message: "email is turned off", final: true })
          )
          if (outcome._tag === "Right") {
            yield* tx.query(
              `UPDATE notification_deliveries SET state = 'sent', sent_at = now(), attempts = attempts + 1, last_error = NULL
               WHERE notification_id = ANY($1::text[]) AND channel = $2`,
              [ids, first.channel]
            )
            if (first.channel === "webhook")
              yield* tx.query("UPDATE notification_settings SET webhook_failures = 0 WHERE seeker_id = $1 AND webhook_failures > 0", [first.seeker_id])
            return true
          }
          const error = outcome.left
          const final = "final" in error || first.attempts + 1 >= settings.maxAttempts
          const delay = Duration.times(settings.retryBase, Math.min(2 ** first.attempts, 120))
          yield* tx.query(
            `UPDATE notification_deliveries SET attempts = attempts + 1, last_error = $3,
               state = CASE WHEN $4 THEN 'failed' ELSE 'pending' END,
               due_at = CASE WHEN $4 THEN due_at ELSE now() + make_interval(secs => $5) END
             WHERE notification_id = ANY($1::text[]) AND channel = $2`,
            [ids, first.channel, error.message.slice(0, 500), final, Math.min(Duration.toSeconds(delay), 3600)]
          )
          if (first.channel === "webhook" && !("final" in error)) yield* countWebhookFailure(tx, settings, first.seeker_id, error.message)
          return true
        })
      )
    ).pipe(
      Effect.ensuring(
        Effect.sync(() => {
          if (claimedKey !== null) inFlight.sending.delete(claimedKey)
        })
      )
    )
  })

/**
 * One more failed webhook delivery in a row. At the limit the webhook is disabled, its pending deliveries are
 * given up, and the seeker is told (on their stream, and by email when they have it): they turn it back on by
 * setting the URL again.
 */
const countWebhookFailure = (tx: Sql, settings: NotifierSettings, seekerId: string, reason: string) =>
  Effect.gen(function* () {
    const [row] = yield* tx.rows(
      Schema.Struct({ webhook_failures: Schema.Number, webhook_url: Schema.String }),
      `UPDATE notification_settings SET webhook_failures = webhook_failures + 1
       WHERE seeker_id = $1 AND webhook_state = 'active' RETURNING webhook_failures, webhook_url`,
      [seekerId]
    )
    if (row === undefined || row.webhook_failures < settings.disableAfter) return
    const why = `${row.webhook_failures} deliveries in a row failed, the last with: ${reason}`.slice(0, 500)
    const [disabled] = yield* tx.rows(
      Schema.Struct({ webhook_disabled_at: Schema.DateFromSelf }),
      `UPDATE notification_settings SET webhook_state = 'disabled', webhook_disabled_at = now(), webhook_disabled_reason = $2
       WHERE seeker_id = $1 RETURNING webhook_disabled_at`,
      [seekerId, why]
    )
    // Skipping the rows another worker holds: that one finds the webhook disabled when its delivery next comes due
    // (waiting on it instead could deadlock, as it may wait on this seeker's settings row).
    yield* tx.query(
      `UPDATE notification_deliveries SET state = 'failed', last_error = 'the webhook was disabled'
       WHERE (notification_id, channel) IN (
         SELECT notification_id, channel FROM notification_deliveries
         WHERE seeker_id = $1 AND channel = 'webhook' AND state = 'pending' FOR UPDATE SKIP LOCKED)`,
      [seekerId]
    )
    const notice: NotificationDraft = {
      notificationId: hashId("notify-webhook-disabled", seekerId, disabled!.webhook_disabled_at.toISOString()),
      seekerId,
      kind: "webhook_disabled",
      title: "Your webhook was disabled",
      body: `Notifications are no longer sent to ${row.webhook_url}: ${why}. Set the webhook URL again to turn it back on.`,
      jobId: null,
      applicationId: null,
      data: { url: row.webhook_url, reason: why }
    }
    yield* recordNotifications(tx, [notice], yield* channelsOf(tx, [seekerId], yield* emailOn))
  })

const emailOn = Effect.map(Effect.orElseSucceed(smtpConfig, () => Option.none()), Option.isSome)

const StalledRow = Schema.Struct({
  application_id: Schema.String,
  seeker_id: Schema.String,
  job_id: Schema.String,
  status: Schema.String,
  status_changed_at: Schema.DateFromSelf,
  stall_days: Schema.Number,
  title: Schema.NullOr(Schema.String),
  company: Schema.NullOr(Schema.String)
})

/**
 * Applications that stalled (waiting on the employer for the seeker's `stall_days`, pipelines/Applications.ts)
 * within the last two days -> a `followup_due` notification each, once per stall (its id names the status
 * change it waits on). A notifier down for longer than two days misses the ones that stalled meanwhile.
 */
export const sweepFollowups = Effect.gen(function* () {
  const db = yield* Postgres
  const mail = yield* emailOn
  yield* db.transaction((tx) =>
    Effect.gen(function* () {
      const rows = yield* tx.rows(
        StalledRow,
        `SELECT a.application_id, a.seeker_id, a.job_id, a.status, a.status_changed_at, s.stall_days, j.title, j.company
         FROM applications a JOIN seekers s USING (seeker_id) LEFT JOIN jobs j USING (job_id)
         WHERE a.status = ANY($1::text[])
           AND a.status_changed_at <= now() - make_interval(days => s.stall_days)
           AND a.status_changed_at > now() - make_interval(days => s.stall_days + 2)`,
        [awaitingEmployer]
      )
      if (rows.length === 0) return
      const drafts = rows.map((r): NotificationDraft => {
        const job = r.title === null ? "a job" : `${r.title} at ${r.company}`
        return {
          notificationId: hashId("notify-followup", r.application_id, r.status_changed_at.toISOString()),
          seekerId: r.seeker_id,
          kind: "followup_due",
          title: `Time to follow up: ${job}`,
          body: `Your application for ${job} has been at ${r.status} for ${r.stall_days} days without news. A follow-up draft is ready at /seekers/me/followups.`,
          jobId: r.job_id,
          applicationId: r.application_id,
          data: { status: r.status, since: r.status_changed_at.toISOString(), stallDays: r.stall_days }
        }
      })
      yield* recordNotifications(tx, drafts, yield* channelsOf(tx, drafts.map((d) => d.seekerId), mail))
    })
  )
})

interface Senders {
  readonly webhook: (url: string, secret: string, id: string, body: string) => Effect.Effect<void, { readonly message: string }>
  readonly email: Option.Option<(mail: { to: string; subject: string; text: string; messageId: string }) => Effect.Effect<void, { readonly message: string }>>
}

/**
 * Sends due deliveries until interrupted, `workers` at a time, and checks for due follow-ups every `sweepEvery`.
 * A failing database call is retried with backoff; past that the notifier fails and its supervisor starts it
 * again. The monitor gets the deliveries waiting as its lag, so a notifier that cannot send shows as stalled.
 */
export const runNotifier = (settings: NotifierSettings) =>
  Effect.gen(function* () {
    const db = yield* Postgres
    const stats = yield* StageStats
    const monitor = yield* StageMonitor
    const smtp = yield* Effect.orElseSucceed(smtpConfig, () => Option.none())
    const mail = Option.map(smtp, mailer)
    const send: Senders = {
      webhook: (url, secret, id, body) => postWebhook(settings, url, secret, id, body),
      email: Option.map(mail, (m) => m.send)
    }
    const startedAt = new Date().toISOString()
    yield* monitor.update(notifierName, (h) => ({ ...h, state: "running", member: true, partitions: 0, startedAt }))

    const inFlight: InFlight = { sending: new Set(), claiming: yield* Effect.makeSemaphore(1) }
    const worker = deliverOne(settings, send, inFlight).pipe(
      Effect.tapError((e) =>
        Effect.zipRight(
          Effect.logWarning("notifier: a delivery failed to record, retrying", e),
          monitor.update(notifierName, (h) => ({ ...h, state: "retrying", lastError: e.message }))
        )
      ),
      Effect.retry(Schedule.exponential(Duration.millis(200), 2).pipe(Schedule.upTo(Duration.minutes(1)))),
      // Whether or not anything was due, the database answered: the notifier is running again after a failure.
      Effect.tap((delivered) =>
        delivered
          ? Effect.zipRight(
              stats.add(`${notifierName}.out`, 1),
              monitor.update(notifierName, (h) => ({ ...h, state: "running", lastError: null, lastProgressAt: new Date().toISOString() }))
            )
          : Effect.zipRight(
              monitor.update(notifierName, (h) => (h.state === "running" ? h : { ...h, state: "running", lastError: null })),
              Effect.sleep(settings.idle)
            )
      ),
      Effect.forever
    )

    const sweep = sweepFollowups.pipe(
      Effect.catchAll((e) => Effect.logWarning("notifier: the follow-up sweep failed; the next one tries again", e)),
      Effect.repeat(Schedule.spaced(settings.sweepEvery))
    )

    // count(*) is a bigint, which pg reads as a string.
    const watch = db
      .rows(Schema.Struct({ n: Schema.NumberFromString }), "SELECT count(*) AS n FROM notification_deliveries WHERE state = 'pending' AND due_at <= now()")
      .pipe(
        Effect.flatMap(([row]) => monitor.update(notifierName, (h) => ({ ...h, lag: row?.n ?? 0 }))),
        Effect.catchAll(() => monitor.update(notifierName, (h) => ({ ...h, lag: null }))),
        Effect.repeat(Schedule.spaced(Duration.seconds(2)))
      )

    return yield* Effect.raceFirst(
      Effect.all(Array.from({ length: settings.workers }, () => worker), { concurrency: "unbounded", discard: true }),
      Effect.raceFirst(sweep, watch)
    ).pipe(Effect.ensuring(Option.match(mail, { onNone: () => Effect.void, onSome: (m) => m.close })))
  }).pipe(Effect.annotateLogs("stage", notifierName), Effect.withSpan("Notifier.run"))
