import { Config, Data, Duration, Effect, Option, Redacted } from "effect"
import nodemailer from "nodemailer"

/**
 * The SMTP server notifications are mailed through: `JOBSTREAM_SMTP_URL` (`smtp://user:pass@host:587`, or
 * `smtps://` for TLS from the start; the password belongs in the environment, never in a file of the repo).
 * Without it this deployment sends no email, and says so in each seeker's settings.
 */
export interface SmtpSettings {
  readonly url: Redacted.Redacted<string>
  readonly from: string
  readonly timeout: Duration.Duration
}

export const smtpConfig: Config.Config<Option.Option<SmtpSettings>> = Config.option(
  Config.all({
    url: Config.redacted("JOBSTREAM_SMTP_URL").pipe(
      Config.validate({ message: "must be an smtp:// or smtps:// URL", validation: (url) => /^smtps?:\/\/\S+$/.test(Redacted.value(url)) })
    ),
    from: Config.string("JOBSTREAM_SMTP_FROM").pipe(Config.withDefault("jobstream <notifications@jobstream.invalid>")),
    timeout: Config.duration("JOBSTREAM_SMTP_TIMEOUT").pipe(Config.withDefault(Duration.seconds(20)))
  })
)

export const emailAvailable = Effect.map(
  Effect.orElseSucceed(smtpConfig, () => Option.none()),
  Option.isSome
)

export class EmailError extends Data.TaggedError("EmailError")<{ readonly reason: string }> {
  override get message() {
    return `email not sent: ${this.reason}`
  }
}

export interface Mail {
  readonly to: string
  readonly subject: string
  readonly text: string
  /** The Message-ID, derived from the notification: a message sent again is recognisably the same one. */
  readonly messageId: string
}

/** nodemailer's options for an `smtp(s)://` URL, every wait bounded by `timeout`. */
const transportOptions = (url: string, timeout: number) => {
  const u = new URL(url)
  const secure = u.protocol === "smtps:"
  return {
    host: u.hostname,
    port: u.port === "" ? (secure ? 465 : 587) : Number(u.port),
    secure,
    ...(u.username === "" ? {} : { auth: { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) } }),
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout
  }
}

/** A mailer over one SMTP server; a message that gets no answer within the timeout fails. */
export const mailer = (settings: SmtpSettings) => {
  const transport = nodemailer.createTransport(transportOptions(Redacted.value(settings.url), Duration.toMillis(settings.timeout)))
  return {
    send: (mail: Mail) =>
      Effect.tryPromise({
        try: () =>
          transport.sendMail({
            from: settings.from,
            to: mail.to,
            subject: mail.subject,
            text: mail.text,
            messageId: mail.messageId,
            headers: { "Auto-Submitted": "auto-generated" }
          }),
        catch: (cause) => new EmailError({ reason: cause instanceof Error ? cause.message : String(cause) })
      }).pipe(
        Effect.timeoutFail({
          duration: Duration.sum(settings.timeout, Duration.seconds(1)),
          onTimeout: () => new EmailError({ reason: `no answer from the SMTP server within ${Duration.format(settings.timeout)}` })
        }),
        Effect.asVoid
      ),
    close: Effect.sync(() => transport.close())
  }
}
