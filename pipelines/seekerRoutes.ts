import type { FastifyInstance, FastifyRequest } from "fastify"
import { Effect, JSONSchema, Schema } from "effect"
import { Text } from "../schemas/common.js"
import { MatchDrafts } from "../schemas/Draft.js"
import { Decision, MatchFeedback, NewSeeker, Preferences, SeekerCreated } from "../schemas/Seeker.js"
import { decodeOr400, Forbidden } from "./httpErrors.js"
import { Seekers } from "./Seekers.js"
import { recordFeedback } from "./Feedback.js"
import { GapsQuery, resumeGaps } from "./ResumeGaps.js"
import { matchDrafts } from "./Drafts.js"
import type { DraftWriter } from "../processors/drafts.js"
import { Postgres } from "../stack/Postgres.js"
import { seekerOf } from "./apiKeys.js"
import { seekerOnly } from "./access.js"
import { eraseSeeker, exportSeeker } from "./SeekerData.js"
import type { ClickHouse } from "../stack/ClickHouse.js"
import { perAddress, type RateLimits } from "./rateLimits.js"

/** Resumes are small documents; a PDF may carry fonts and images, so it gets more room than the text it holds. */
export const maxResumeBytes = 5 * 1024 * 1024

const MatchesQuery = Schema.Struct({
  decision: Schema.optional(Decision),
  minScore: Schema.optional(Schema.NumberFromString.pipe(Schema.int(), Schema.between(0, 100))),
  limit: Schema.optional(Schema.NumberFromString.pipe(Schema.int(), Schema.between(1, 100))),
  offset: Schema.optional(Schema.NumberFromString.pipe(Schema.int(), Schema.between(0, 100_000)))
})

const ResumeQuery = Schema.Struct({
  primary: Schema.optional(Schema.Literal("true", "false")),
  filename: Schema.optional(Text.pipe(Schema.maxLength(255)))
})

type Run = <A, E>(effect: Effect.Effect<A, E, Seekers | Postgres | ClickHouse | DraftWriter>) => Promise<A>

/** A seeker's match: `:jobId` is a job id (32 hex digits). */
const MatchParams = Schema.Struct({ seekerId: Schema.String, jobId: Schema.String.pipe(Schema.pattern(/^[0-9a-f]{32}$/)) })

/**
 * The seekers' API. A seeker is addressed as `me` or by id; either way the API key decides whose data it is,
 * and a key used on another seeker's id gets 403, never their data.
 */
export const seekerRoutes = (app: FastifyInstance, run: Run, limits: RateLimits) => {
  app.addContentTypeParser("application/pdf", { parseAs: "buffer", bodyLimit: maxResumeBytes }, (_request, body, done) =>
    done(null, body)
  )

  app.post(
    "/seekers",
    { config: { access: "public", rateLimit: perAddress(limits.signup) }, schema: { body: JSONSchema.make(NewSeeker), response: { 201: JSONSchema.make(SeekerCreated) } } },
    async (request, reply) => {
      const created = await run(
        Effect.flatMap(decodeOr400(NewSeeker, request.body), (input) => Effect.flatMap(Seekers, (s) => s.create(input)))
      )
      return reply.status(201).send(created)
    }
  )

  app.get("/seekers/:seekerId", { config: seekerOnly }, (request) =>
    run(Effect.flatMap(owner(request), (id) => Effect.flatMap(Seekers, (s) => s.profile(id))))
  )

  // A new key; the one that asked stops working at once.
  app.post("/seekers/:seekerId/key", { config: seekerOnly }, (request) =>
    run(Effect.flatMap(owner(request), (id) => Effect.flatMap(Seekers, (s) => s.rotateKey(id))))
  )

  // Everything held about the seeker, as one JSON document (pipelines/SeekerData.ts).
  app.get("/seekers/:seekerId/export", { config: seekerOnly }, (request) => run(Effect.flatMap(owner(request), exportSeeker)))

  // Erases the seeker from every store; their key answers 401 from then on. The answer counts what went.
  app.delete("/seekers/:seekerId", { config: seekerOnly }, (request) => run(Effect.flatMap(owner(request), eraseSeeker)))

  app.post(
    "/seekers/:seekerId/resumes",
    { config: { ...seekerOnly, rateLimit: perAddress(limits.uploads) }, bodyLimit: maxResumeBytes },
    async (request, reply) => {
      const created = await run(
        Effect.gen(function* () {
          const seekerId = yield* owner(request)
          const query = yield* decodeOr400(ResumeQuery, request.query)
          const seekers = yield* Seekers
          return yield* seekers.addResume(seekerId, {
            body: request.body as Buffer | string,
            contentType: request.headers["content-type"] ?? "",
            filename: query.filename ?? null,
            primary: query.primary === "true"
          })
        })
      )
      return reply.status(201).send(created)
    }
  )

  app.put("/seekers/:seekerId/preferences", { config: seekerOnly, schema: { body: JSONSchema.make(Preferences) } }, (request) =>
    run(
      Effect.gen(function* () {
        const seekerId = yield* owner(request)
        const preferences = yield* decodeOr400(Preferences, request.body)
        return yield* Effect.flatMap(Seekers, (s) => s.setPreferences(seekerId, preferences))
      })
    )
  )

  app.get("/seekers/:seekerId/matches", { config: seekerOnly }, (request) =>
    run(
      Effect.gen(function* () {
        const seekerId = yield* owner(request)
        const query = yield* decodeOr400(MatchesQuery, request.query)
        const seekers = yield* Seekers
        const limit = query.limit ?? 20
        const offset = query.offset ?? 0
        const items = yield* seekers.matches(seekerId, { ...query, limit: limit + 1, offset })
        return { items: items.slice(0, limit), nextOffset: items.length > limit ? offset + limit : null }
      })
    )
  )

  app.get("/seekers/:seekerId/gaps", { config: seekerOnly }, (request) =>
    run(
      Effect.gen(function* () {
        const seekerId = yield* owner(request)
        const { limit } = yield* decodeOr400(GapsQuery, request.query)
        return yield* resumeGaps(seekerId, limit ?? 50)
      })
    )
  )

  // The seeker's thumbs on a match: a label for their own model, which learns from it at once; their matches are
  // scored again with it (`feedback_learned` on seekers.events). 404 for a job that is no match of theirs.
  app.put("/seekers/:seekerId/matches/:jobId/feedback", { config: seekerOnly }, (request) =>
    run(
      Effect.gen(function* () {
        const seekerId = yield* owner(request)
        const { jobId } = yield* decodeOr400(MatchParams, request.params)
        const { verdict } = yield* decodeOr400(MatchFeedback, request.body)
        const db = yield* Postgres
        return yield* db.transaction((tx) => recordFeedback(tx, seekerId, jobId, verdict === "up" ? "thumbs_up" : "thumbs_down"))
      })
    )
  )

  // Drafts for a match (pipelines/Drafts.ts): a cover letter, a message to the posting's contact, and what to lead
  // the resume with. 404 for a job that is no match of theirs.
  app.get(
    "/seekers/:seekerId/matches/:jobId/drafts",
    { config: seekerOnly, schema: { response: { 200: JSONSchema.make(MatchDrafts) } } },
    (request) =>
      run(
        Effect.gen(function* () {
          const seekerId = yield* owner(request)
          const { jobId } = yield* decodeOr400(MatchParams, request.params)
          return yield* matchDrafts(seekerId, jobId)
        })
      )
  )
}

/**
 * The seeker the request's key belongs to, when that is the seeker the path's `:seekerId` names (`me` or their
 * own id): every seeker route starts here.
 */
export const owner = (request: FastifyRequest) =>
  Effect.gen(function* () {
    const seekerId = yield* seekerOf(request)
    const asked = (request.params as { seekerId: string }).seekerId
    if (asked !== "me" && asked !== seekerId)
      return yield* new Forbidden({ message: "this API key may only read and change its own seeker" })
    return seekerId
  })
