import type { FastifyInstance, FastifyRequest } from "fastify"
import { Effect, JSONSchema, Schema, Stream } from "effect"
import { followupDrafts, FollowupWriter } from "../processors/followups.js"
import {
  ApplicationCreated,
  ApplicationHistory,
  ApplicationMove,
  ApplicationMoved,
  ApplicationsPage,
  ApplicationsQuery,
  ApplicationView,
  FollowupSettings,
  Followups,
  NewApplication
} from "../schemas/Application.js"
import { Text } from "../schemas/common.js"
import { Applications } from "./Applications.js"
import { decodeOr400 } from "./httpErrors.js"
import { owner } from "./seekerRoutes.js"
import type { Seekers } from "./Seekers.js"
import { seekerOnly } from "./access.js"

/** `:applicationId` reaches SQL as a bound value: one PostgreSQL cannot store is refused here, naming the field. */
const ApplicationPath = JSONSchema.make(Schema.Struct({ seekerId: Schema.String, applicationId: Text }))

type Run = <A, E>(effect: Effect.Effect<A, E, Seekers | Applications | FollowupWriter>) => Promise<A>

/**
 * A seeker's job applications, their history and their follow-ups. Same rule as the seekers' API: the API key
 * decides whose data it is (`me` or one's own id; another seeker's id is 403). An application id that is not the
 * seeker's is 404, whether or not it exists.
 */
export const applicationRoutes = (app: FastifyInstance, run: Run) => {
  app.post(
    "/seekers/:seekerId/applications",
    { config: seekerOnly, schema: { body: JSONSchema.make(NewApplication), response: { 200: JSONSchema.make(ApplicationCreated), 201: JSONSchema.make(ApplicationCreated) } } },
    async (request, reply) => {
      const result = await run(
        Effect.gen(function* () {
          const seekerId = yield* owner(request)
          const input = yield* decodeOr400(NewApplication, request.body)
          return yield* Effect.flatMap(Applications, (a) => a.create(seekerId, input))
        })
      )
      return reply.status(result.created ? 201 : 200).send(result)
    }
  )

  app.get("/seekers/:seekerId/applications", { config: seekerOnly, schema: { response: { 200: JSONSchema.make(ApplicationsPage) } } }, (request) =>
    run(
      Effect.gen(function* () {
        const seekerId = yield* owner(request)
        const query = yield* decodeOr400(ApplicationsQuery, request.query)
        const limit = query.limit ?? 200
        const offset = query.offset ?? 0
        const items = yield* Effect.flatMap(Applications, (a) =>
          a.list(seekerId, { status: query.status, limit: limit + 1, offset })
        )
        return { items: items.slice(0, limit), nextOffset: items.length > limit ? offset + limit : null }
      })
    )
  )

  app.get(
    "/seekers/:seekerId/applications/:applicationId",
    { config: seekerOnly, schema: { params: ApplicationPath, response: { 200: JSONSchema.make(ApplicationView) } } },
    (request) =>
      run(Effect.flatMap(owner(request), (seekerId) => Effect.flatMap(Applications, (a) => a.get(seekerId, applicationIdOf(request)))))
  )

  app.post(
    "/seekers/:seekerId/applications/:applicationId/moves",
    { config: seekerOnly, schema: { params: ApplicationPath, body: JSONSchema.make(ApplicationMove), response: { 200: JSONSchema.make(ApplicationMoved) } } },
    (request) =>
      run(
        Effect.gen(function* () {
          const seekerId = yield* owner(request)
          const move = yield* decodeOr400(ApplicationMove, request.body)
          return yield* Effect.flatMap(Applications, (a) => a.move(seekerId, applicationIdOf(request), move))
        })
      )
  )

  app.get(
    "/seekers/:seekerId/applications/:applicationId/history",
    { config: seekerOnly, schema: { params: ApplicationPath, response: { 200: JSONSchema.make(ApplicationHistory) } } },
    (request) =>
      run(
        Effect.gen(function* () {
          const seekerId = yield* owner(request)
          const applicationId = applicationIdOf(request)
          const items = yield* Effect.flatMap(Applications, (a) => a.history(seekerId, applicationId))
          return { applicationId, items }
        })
      )
  )

  app.get("/seekers/:seekerId/followups", { config: seekerOnly, schema: { response: { 200: JSONSchema.make(Followups) } } }, (request) =>
    run(Effect.flatMap(owner(request), followupsOf))
  )

  app.get("/seekers/:seekerId/followups/settings", { config: seekerOnly, schema: { response: { 200: JSONSchema.make(FollowupSettings) } } }, (request) =>
    run(Effect.flatMap(owner(request), (seekerId) => Effect.flatMap(Applications, (a) => a.followupSettings(seekerId))))
  )

  app.put(
    "/seekers/:seekerId/followups/settings",
    { config: seekerOnly, schema: { body: JSONSchema.make(FollowupSettings), response: { 200: JSONSchema.make(FollowupSettings) } } },
    (request) =>
      run(
        Effect.gen(function* () {
          const seekerId = yield* owner(request)
          const settings = yield* decodeOr400(FollowupSettings, request.body)
          return yield* Effect.flatMap(Applications, (a) => a.setFollowupSettings(seekerId, settings))
        })
      )
  )
}

/** The seeker's stalled applications, each with a follow-up draft. */
export const followupsOf = (seekerId: string) =>
  Effect.gen(function* () {
    const applications = yield* Applications
    const stalled = yield* applications.stalled(seekerId)
    const items = yield* Stream.fromIterable(stalled.items).pipe(followupDrafts, Stream.runCollect)
    return { stallDays: stalled.stallDays, asOf: stalled.asOf, items: [...items] } satisfies Followups
  })

const applicationIdOf = (request: FastifyRequest) => (request.params as { applicationId: string }).applicationId
