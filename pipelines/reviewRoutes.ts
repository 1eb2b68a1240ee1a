import type { FastifyInstance } from "fastify"
import { Effect, JSONSchema } from "effect"
import { PendingReviews, PendingReviewsQuery } from "../schemas/Review.js"
import type { Postgres } from "../stack/Postgres.js"
import { opsReader } from "./apiKeys.js"
import { decodeOr400 } from "./httpErrors.js"
import { pendingReviews } from "./Reviews.js"
import type { Staff } from "./Staff.js"

type Run = <A, E>(effect: Effect.Effect<A, E, Postgres | Staff>) => Promise<A>

/**
 * The manual-review queue for operations: `GET /reviews/pending?limit=&source=` aggregates the matches the
 * scorer left for a person per job. It carries counts, never seeker identities; it is for the ops team and the
 * reviewers, so it needs a staff key (ops or reviewer).
 */
export const reviewRoutes = (app: FastifyInstance, run: Run) => {
  app.get(
    "/reviews/pending",
    {
      config: { access: opsReader },
      schema: {
        querystring: JSONSchema.make(PendingReviewsQuery),
        response: { 200: JSONSchema.make(PendingReviews) }
      }
    },
    (request) => run(Effect.flatMap(decodeOr400(PendingReviewsQuery, request.query), pendingReviews))
  )
}
