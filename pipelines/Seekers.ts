import { createHash, randomBytes, randomUUID } from "node:crypto"
import { Context, Data, Effect, Layer, Schema } from "effect"
import { encode, Topics } from "../schemas/Envelope.js"
import type { Contact } from "../schemas/Contact.js"
import { Match, Preferences, type SeekerEvent } from "../schemas/Seeker.js"
import { Postgres, type PostgresError, type RowDecodeError, type Sql } from "../stack/Postgres.js"
import { enqueue } from "../stack/outbox.js"
import { extractContacts } from "../processors/contacts.js"
import { PdfText, layerConfig as pdfTextLayer, type PdfBusy, type PdfTooManyPages, type PdfUnreadable } from "./pdfText.js"

/** No API key, or one that belongs to no seeker. */
export class Unauthorized extends Data.TaggedError("Unauthorized")<{ readonly message: string }> {}

/** A resume that cannot be used as sent: its type, no text in it, or too much. */
export class ResumeRejected extends Data.TaggedError("ResumeRejected")<{ readonly reason: string }> {
  override get message() {
    return this.reason
  }
}

export const maxResumeCharacters = 200_000

export interface ResumeUpload {
  readonly body: Buffer | string
  readonly contentType: string
  readonly filename: string | null
  readonly primary: boolean
}

export interface MatchesQuery {
  readonly decision?: Match["decision"] | undefined
  readonly minScore?: number | undefined
  readonly limit: number
  readonly offset: number
}

type Failure = PostgresError
/** A call that reads rows can also meet one that does not match its schema. */
type ReadFailure = PostgresError | RowDecodeError

/**
 * Seekers, their resumes and preferences. Every change writes its `seekers.events` event to the outbox in the
 * same PostgreSQL transaction (stack/outbox.ts): a committed change always gets its event on Kafka, a
 * rolled-back one never does, and a broker outage delays the events without failing the change.
 */
export class Seekers extends Context.Tag("jobstream/Seekers")<
  Seekers,
  {
    readonly create: (input: { name: string; email?: string | undefined }) => Effect.Effect<{ seekerId: string; apiKey: string }, Failure>
    readonly authenticate: (apiKey: string | undefined) => Effect.Effect<string, Unauthorized | ReadFailure>
    /** A new key for the seeker; the old one stops working at once (only the new key's hash is kept). */
    readonly rotateKey: (seekerId: string) => Effect.Effect<{ apiKey: string }, Failure>
    readonly profile: (seekerId: string) => Effect.Effect<SeekerProfileView, ReadFailure>
    readonly addResume: (
      seekerId: string,
      upload: ResumeUpload
    ) => Effect.Effect<{ resumeId: string; characters: number; primary: boolean }, ResumeRejected | PdfTooManyPages | PdfUnreadable | PdfBusy | ReadFailure>
    readonly setPreferences: (seekerId: string, preferences: Preferences) => Effect.Effect<Preferences, Failure>
    readonly matches: (seekerId: string, query: MatchesQuery) => Effect.Effect<Array<MatchView>, ReadFailure>
  }
>() {}

export interface SeekerProfileView {
  readonly seekerId: string
  readonly name: string
  readonly email: string | null
  readonly preferences: Preferences
  readonly resumes: ReadonlyArray<{ resumeId: string; filename: string | null; contentType: string; characters: number; primary: boolean; createdAt: string }>
}

export interface MatchView {
  readonly jobId: string
  readonly title: string
  readonly company: string
  readonly url: string
  readonly locations: ReadonlyArray<string>
  readonly remote: boolean
  readonly score: number
  readonly decision: string
  readonly components: Record<string, number>
  readonly explanation: Match["explanation"]
  readonly scoredAt: string
  /** Who or where to write to about the job, as its description states. */
  readonly contacts: ReadonlyArray<Contact>
}

export const make = Effect.gen(function* () {
  const db = yield* Postgres
  const pdf = yield* PdfText

  const publish = (tx: Sql, seekerId: string, type: SeekerEvent["type"], resumeId: string | null) => {
    const event: SeekerEvent = { eventId: randomUUID(), seekerId, type, resumeId, at: new Date().toISOString() }
    return enqueue(tx, [encode(Topics.seekerEvents, event)])
  }

  const newKey = () => `jsk_${randomBytes(32).toString("base64url")}`

  return Seekers.of({
    create: ({ name, email }) =>
      Effect.gen(function* () {
        const seekerId = randomUUID()
        const apiKey = newKey()
        yield* db.transaction((tx) =>
          tx
            .query("INSERT INTO seekers (seeker_id, name, email, api_key_hash) VALUES ($1, $2, $3, $4)", [
              seekerId,
              name,
              email ?? null,
              hashKey(apiKey)
            ])
            .pipe(Effect.zipRight(publish(tx, seekerId, "seeker_created", null)))
        )
        return { seekerId, apiKey }
      }),

    authenticate: (apiKey) =>
      Effect.gen(function* () {
        if (!apiKey) return yield* new Unauthorized({ message: "send your API key as `Authorization: Bearer <key>`" })
        const [row] = yield* db.rows(Schema.Struct({ seeker_id: Schema.String }), "SELECT seeker_id FROM seekers WHERE api_key_hash = $1", [
          hashKey(apiKey)
        ], perRequest)
        if (!row) return yield* new Unauthorized({ message: "this API key belongs to no seeker" })
        return row.seeker_id
      }),

    rotateKey: (seekerId) =>
      Effect.gen(function* () {
        const apiKey = newKey()
        yield* db.query("UPDATE seekers SET api_key_hash = $2 WHERE seeker_id = $1", [seekerId, hashKey(apiKey)])
        return { apiKey }
      }),

    profile: (seekerId) =>
      Effect.gen(function* () {
        const [seeker] = yield* db.rows(
          Schema.Struct({ name: Schema.String, email: Schema.NullOr(Schema.String), preferences: Preferences }),
          "SELECT name, email, preferences FROM seekers WHERE seeker_id = $1",
          [seekerId]
        )
        const resumes = yield* db.rows(
          ResumeRow,
          `SELECT resume_id, filename, content_type, length(body) AS characters, is_primary, created_at
           FROM resumes WHERE seeker_id = $1 ORDER BY created_at DESC`,
          [seekerId]
        )
        return {
          seekerId,
          name: seeker?.name ?? "",
          email: seeker?.email ?? null,
          preferences: seeker?.preferences ?? {},
          resumes: resumes.map((r) => ({
            resumeId: r.resume_id,
            filename: r.filename,
            contentType: r.content_type,
            characters: r.characters,
            primary: r.is_primary,
            createdAt: r.created_at.toISOString()
          }))
        }
      }),

    addResume: (seekerId, upload) =>
      Effect.gen(function* () {
        const text = yield* resumeText(upload, pdf)
        const resumeId = randomUUID()
        const primary = yield* db.transaction((tx) =>
          Effect.gen(function* () {
            const [existing] = yield* tx.rows(
              Schema.Struct({ n: Schema.NumberFromString }),
              "SELECT count(*) AS n FROM resumes WHERE seeker_id = $1 AND is_primary",
              [seekerId]
            )
            // The first resume is primary whatever was asked; a later one only when asked.
            const primary = upload.primary || (existing?.n ?? 0) === 0
            if (primary) yield* tx.query("UPDATE resumes SET is_primary = false WHERE seeker_id = $1 AND is_primary", [seekerId])
            yield* tx.query(
              `INSERT INTO resumes (resume_id, seeker_id, filename, content_type, body, text_hash, is_primary)
               VALUES ($1, $2, $3, $4, $5, $6, $7)`,
              [resumeId, seekerId, upload.filename, upload.contentType, text, hashKey(text), primary]
            )
            if (primary) yield* publish(tx, seekerId, "resume_uploaded", resumeId)
            return primary
          })
        )
        return { resumeId, characters: text.length, primary }
      }),

    setPreferences: (seekerId, preferences) =>
      db
        .transaction((tx) =>
          tx
            .query("UPDATE seekers SET preferences = $2, updated_at = now() WHERE seeker_id = $1", [
              seekerId,
              JSON.stringify(Schema.encodeSync(Preferences)(preferences))
            ])
            .pipe(Effect.zipRight(publish(tx, seekerId, "preferences_updated", null)))
        )
        .pipe(Effect.as(preferences)),

    matches: (seekerId, query) =>
      Effect.gen(function* () {
        const params: Array<unknown> = [seekerId]
        const bind = (value: unknown) => `$${params.push(value)}`
        // A job its board stopped listing is no match any more (its applications stay tracked).
        const where = ["m.seeker_id = $1", "j.closed_at IS NULL"]
        if (query.decision) where.push(`m.decision = ${bind(query.decision)}`)
        if (query.minScore !== undefined) where.push(`m.score >= ${bind(query.minScore)}`)
        const rows = yield* db.rows(
          MatchRow,
          `SELECT m.job_id, j.title, j.company, j.url, j.locations, j.remote, m.score, m.decision, m.components,
                  m.explanation, m.scored_at, j.description, j.source_type
           FROM matches m JOIN jobs j USING (job_id)
           WHERE ${where.join(" AND ")}
           ORDER BY m.score DESC, m.job_id
           LIMIT ${bind(query.limit)} OFFSET ${bind(query.offset)}`,
          params,
          perRequest
        )
        return rows.map((r) => ({
          jobId: r.job_id,
          title: r.title,
          company: r.company,
          url: r.url,
          locations: r.locations,
          remote: r.remote,
          score: r.score,
          decision: r.decision,
          components: r.components,
          explanation: r.explanation,
          scoredAt: r.scored_at.toISOString(),
          contacts: extractContacts({ description: r.description, sourceType: r.source_type, company: r.company })
        }))
      })
  })
})

/** The statements behind every request of a seeker (their key, their matches): prepared once per connection. */
const perRequest = { prepare: true } as const

/** With PDF extraction configured from the environment; a test provides `make` its own `PdfText` instead. */
export const layer = Layer.effect(Seekers, make).pipe(Layer.provide(pdfTextLayer))

/** `length(body)` is an integer, which pg reads as a number. */
const ResumeRow = Schema.Struct({
  resume_id: Schema.String,
  filename: Schema.NullOr(Schema.String),
  content_type: Schema.String,
  characters: Schema.Number,
  is_primary: Schema.Boolean,
  created_at: Schema.DateFromSelf
})

/** A match joined with its job; the jsonb columns hold what the matches sink wrote from the Match. */
const MatchRow = Schema.Struct({
  job_id: Schema.String,
  title: Schema.String,
  company: Schema.String,
  url: Schema.String,
  locations: Schema.Array(Schema.String),
  remote: Schema.Boolean,
  score: Match.fields.score,
  decision: Match.fields.decision,
  components: Match.fields.components,
  explanation: Match.fields.explanation,
  scored_at: Schema.DateFromSelf,
  description: Schema.String,
  source_type: Schema.String
})

export const hashKey = (value: string) => createHash("sha256").update(value).digest("hex")

/** The resume's text: plain text as sent, or the text layer of a PDF, read in a sandboxed worker. */
const resumeText = (upload: ResumeUpload, pdf: Context.Tag.Service<PdfText>) =>
  Effect.gen(function* () {
    const type = upload.contentType.split(";")[0]!.trim().toLowerCase()
    let text: string
    if (type === "application/pdf") {
      text = yield* pdf.extract(typeof upload.body === "string" ? Buffer.from(upload.body, "latin1") : upload.body)
    } else if (type === "text/plain") {
      text = typeof upload.body === "string" ? upload.body : upload.body.toString("utf8")
    } else {
      return yield* new ResumeRejected({ reason: `send the resume as text/plain or application/pdf, not ${type}` })
    }
    text = text.replaceAll("\u0000", "").trim()
    if (text.length === 0)
      return yield* new ResumeRejected({ reason: "the resume has no text (a scanned PDF without a text layer?)" })
    if (text.length > maxResumeCharacters)
      return yield* new ResumeRejected({ reason: `the resume has ${text.length} characters; at most ${maxResumeCharacters}` })
    return text
  })
