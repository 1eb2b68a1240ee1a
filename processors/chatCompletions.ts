import { Config, Data, Duration, Effect, Option, ParseResult, Redacted, Schema } from "effect"

/**
 * One call to an OpenAI-compatible chat-completions endpoint, shared by the writers that may use one instead of
 * their templates (processors/followups.ts, processors/drafts.ts). Each writer has its own settings (its own
 * variables), and each falls back to its template when the call fails.
 */

/** An OpenAI-compatible chat-completions endpoint. */
export interface LlmSettings {
  /** The API's base address (`https://api.openai.com/v1`, `http://127.0.0.1:11434/v1`) or its chat-completions URL. */
  readonly url: string
  readonly apiKey: Option.Option<Redacted.Redacted<string>>
  readonly model: string
  readonly timeout: Duration.Duration
}

/**
 * The endpoint failed: unreachable, an HTTP error, no answer in time, an answer that is not a chat completion or
 * has no text. What happens next is the caller's: both writers fall back to their template and say why. Never
 * retried: a seeker waits on the request, and the template is a fine answer.
 */
export class LlmError extends Data.TaggedError("LlmError")<{ readonly purpose: string; readonly reason: string; readonly cause?: unknown }> {
  override get message() {
    return `the ${this.purpose} LLM endpoint failed: ${this.reason}`
  }
}

export interface ChatRequest {
  /** What the endpoint writes, for error messages: "follow-up", "drafts". */
  readonly purpose: string
  readonly system: string
  readonly user: string
  readonly maxTokens: number
  readonly temperature: number
}

/**
 * `<prefix>_URL` turns the endpoint on (an http(s) URL, checked at start); `<prefix>_KEY` (redacted),
 * `<prefix>_MODEL` (default gpt-4o-mini), `<prefix>_TIMEOUT` (default 15 seconds). Without the URL: `None`.
 */
export const settingsConfig = (prefix: string): Config.Config<Option.Option<LlmSettings>> =>
  Config.option(
    Config.all({
      url: Config.string(`${prefix}_URL`).pipe(
        Config.validate({ message: "must be an http(s) URL", validation: (url) => /^https?:\/\/\S+$/.test(url) })
      ),
      apiKey: Config.option(Config.redacted(`${prefix}_KEY`)),
      model: Config.string(`${prefix}_MODEL`).pipe(Config.withDefault("gpt-4o-mini")),
      timeout: Config.duration(`${prefix}_TIMEOUT`).pipe(Config.withDefault(Duration.seconds(15)))
    })
  )

/** The text of the first choice, trimmed and non-empty, within `settings.timeout` from the request to the last byte. */
export const complete = (settings: LlmSettings, request: ChatRequest): Effect.Effect<string, LlmError> => {
  const fail = (reason: string, cause?: unknown) => new LlmError({ purpose: request.purpose, reason, cause })
  const url = completionsUrl(settings.url)
  return Effect.gen(function* () {
    const response = yield* Effect.tryPromise({
      try: (signal) =>
        fetch(url, {
          method: "POST",
          signal,
          headers: {
            "content-type": "application/json",
            ...Option.match(settings.apiKey, {
              onNone: () => ({}),
              onSome: (key) => ({ authorization: `Bearer ${Redacted.value(key)}` })
            })
          },
          body: JSON.stringify({
            model: settings.model,
            temperature: request.temperature,
            max_tokens: request.maxTokens,
            messages: [
              { role: "system", content: request.system },
              { role: "user", content: request.user }
            ]
          })
        }),
      catch: (cause) => fail(`cannot reach ${url}: ${describe(cause)}`, cause)
    })
    const text = yield* Effect.tryPromise({
      try: () => response.text(),
      catch: (cause) => fail(`the answer broke off: ${describe(cause)}`, cause)
    })
    if (!response.ok) return yield* fail(`HTTP ${response.status}: ${text.slice(0, 200)}`)
    const completion = yield* Schema.decodeUnknown(ChatCompletionJson)(text).pipe(
      Effect.mapError((e) =>
        fail(
          `the answer is not a chat completion (${ParseResult.ArrayFormatter.formatErrorSync(e)
            .map((issue) => `${issue.path.join(".") || "body"}: ${issue.message}`)
            .join("; ")
            .slice(0, 300)})`
        )
      )
    )
    const content = (completion.choices[0].message.content ?? "").trim()
    if (content.length === 0) return yield* fail("the answer has no text")
    return content
  }).pipe(Effect.timeoutFail({ duration: settings.timeout, onTimeout: () => fail(`no answer within ${Duration.format(settings.timeout)}`) }))
}

/**
 * A letter's body from a completion: trimmed, without a `Subject:` line a model may add anyway (both writers keep
 * their template's subject), and at most `maxCharacters` long. Empty when the answer was only a subject line.
 */
export const letterBody = (content: string, maxCharacters: number) =>
  content
    .trim()
    .replace(/^subject:[^\n]*\n+/i, "")
    .trim()
    .slice(0, maxCharacters)

/** The part of an OpenAI-compatible chat-completions answer a writer needs. */
const ChatCompletionJson = Schema.parseJson(
  Schema.Struct({
    choices: Schema.NonEmptyArray(Schema.Struct({ message: Schema.Struct({ content: Schema.NullishOr(Schema.String) }) }))
  })
)

const completionsUrl = (url: string) => (/\/chat\/completions\/?$/.test(url) ? url : `${url.replace(/\/+$/, "")}/chat/completions`)

const describe = (cause: unknown): string => {
  if (!(cause instanceof Error)) return String(cause)
  // fetch reports "fetch failed" and keeps the reason (ECONNREFUSED, ...) in `cause`.
  return cause.cause instanceof Error ? `${cause.message} (${cause.cause.message})` : cause.message
}
