import websocket from "@fastify/websocket"
import type { FastifyInstance, FastifyRequest } from "fastify"
import { Effect, Option, Schema } from "effect"
import { NewStaff, TaskDecision } from "../schemas/Review.js"
import type { Postgres } from "../stack/Postgres.js"
import { DeskHub, type DeskMessage } from "./DeskHub.js"
import { taskViews } from "./deskViews.js"
import { BadRequest, decodeOr400, Forbidden } from "./httpErrors.js"
import { ReviewDesk, type Actor } from "./ReviewDesk.js"
import { Seekers, Unauthorized } from "./Seekers.js"
import { opsReader, seekerOf, staffOf } from "./apiKeys.js"
import { Staff } from "./Staff.js"
import { deskOpsFeed, deskStatus, HelloMessage } from "./deskOpsFeed.js"
import type { ClickHouse } from "../stack/ClickHouse.js"
import { seekerOnly } from "./access.js"
import { approvedDrafts } from "./Drafts.js"
import type { DraftWriter } from "../processors/drafts.js"

const opsOnly = { access: ["ops"] } as const

type Run = <A, E>(effect: Effect.Effect<A, E, Staff | ReviewDesk | DeskHub | Seekers | Postgres | ClickHouse | DraftWriter>) => Promise<A>

const StaffParams = Schema.Struct({ staffId: Schema.String.pipe(Schema.pattern(/^st_[0-9a-f-]{36}$/)) })
const TaskParams = Schema.Struct({ taskId: Schema.String.pipe(Schema.pattern(/^[md]_[0-9a-f]{32}$/)) })
const ResumeParams = Schema.Struct({ resumeId: Schema.String.pipe(Schema.maxLength(100)) })
const SeekerParams = Schema.Struct({ seekerId: Schema.String.pipe(Schema.maxLength(100)) })
const ApprovalParams = Schema.Struct({ seekerId: Schema.String.pipe(Schema.maxLength(100)), jobId: Schema.String.pipe(Schema.pattern(/^[0-9a-f]{32}$/)) })

/** Then a heartbeat at least every 30 s keeps a reviewer online (the desk page sends one every 5 s). */
const Heartbeat = Schema.parseJson(Schema.Struct({ type: Schema.Literal("heartbeat") }))

/**
 * The review desk over HTTP and WebSocket.
 * - Account admin (ops keys): `POST /staff`, `GET /staff`, `POST|DELETE /staff/:id/key`, `POST /staff/:id/unlock`.
 * - Reviewers: `GET /desk/ws` (WebSocket: send `{"type":"hello","key":...}`, then a heartbeat every few seconds;
 *   tasks, warnings, revocations and strikes arrive as they happen), `GET /desk/tasks` (the tasks held now),
 *   `POST /desk/tasks/:taskId/decision`, `GET /desk/resumes/:resumeId`, `GET /desk/seekers/:seekerId/contact`,
 *   `GET /desk/seekers/:seekerId/jobs/:jobId/drafts` (an approved application's drafts).
 * - Seekers, as their own reviewers: `GET /desk/mine` and the same decision route, for their own match tasks.
 * - Ops: `GET /desk/status`, and `GET /desk/ops/ws` (WebSocket, the same hello; deskOpsFeed.ts) pushing the same
 *   every second, and the desk's KPIs.
 */
export const deskRoutes = (app: FastifyInstance, run: Run) => {
  // Bodies are checked by their Effect schemas alone (decodeOr400): a route schema adds nothing but Fastify's
  // validator's own quirks (see the decision route).
  app.post("/staff", { config: opsOnly }, async (request, reply) => {
    const created = await run(
      Effect.gen(function* () {
        yield* staffOf(request, ["ops"])
        const body = yield* decodeOr400(NewStaff, request.body)
        return yield* Effect.flatMap(Staff, (staff) => staff.create(body))
      })
    )
    return reply.status(201).send(created)
  })

  app.get("/staff", { config: opsOnly }, (request) =>
    run(Effect.zipRight(staffOf(request, ["ops"]), Effect.map(Effect.flatMap(Staff, (s) => s.list), (items) => ({ items }))))
  )

  app.post("/staff/:staffId/key", { config: opsOnly }, (request) =>
    run(
      Effect.gen(function* () {
        yield* staffOf(request, ["ops"])
        const { staffId } = yield* decodeOr400(StaffParams, request.params)
        return { apiKey: yield* Effect.flatMap(Staff, (s) => s.newKey(staffId)) }
      })
    )
  )

  app.delete("/staff/:staffId/key", { config: opsOnly }, async (request, reply) => {
    await run(
      Effect.gen(function* () {
        yield* staffOf(request, ["ops"])
        const { staffId } = yield* decodeOr400(StaffParams, request.params)
        yield* Effect.flatMap(Staff, (s) => s.revokeKey(staffId))
      })
    )
    return reply.status(204).send()
  })

  app.post("/staff/:staffId/unlock", { config: opsOnly }, (request) =>
    run(
      Effect.gen(function* () {
        const ops = yield* staffOf(request, ["ops"])
        const { staffId } = yield* decodeOr400(StaffParams, request.params)
        return yield* Effect.flatMap(Staff, (s) => s.unlock(staffId, ops.staffId))
      })
    )
  )

  app.get("/desk/tasks", { config: { access: ["reviewer"] } }, (request) =>
    run(
      Effect.gen(function* () {
        const me = yield* staffOf(request, ["reviewer"])
        const held = yield* Effect.flatMap(ReviewDesk, (d) => d.held(me.staffId))
        return { items: yield* taskViews(held.map((t) => t.taskId)) }
      })
    )
  )

  app.get("/desk/mine", { config: seekerOnly }, (request) =>
    run(
      Effect.gen(function* () {
        const seekerId = yield* seekerOf(request)
        const ids = yield* Effect.flatMap(ReviewDesk, (d) => d.openFor(seekerId))
        return { items: yield* taskViews(ids) }
      })
    )
  )

  // No route schema for the body: Fastify's validator strips the properties of one alternative of a union while
  // it tries another (its removeAdditional), which turned every rejection into a 400. The Effect schema checks it.
  app.post("/desk/tasks/:taskId/decision", { config: { access: ["reviewer", "seeker"] } }, (request) =>
    run(
      Effect.gen(function* () {
        const { taskId } = yield* decodeOr400(TaskParams, request.params)
        const decision = yield* decodeOr400(TaskDecision, request.body)
        const actor = yield* actorOf(request)
        const outcome = yield* Effect.flatMap(ReviewDesk, (d) => d.decide(taskId, actor, decision))
        return { taskId, outcome }
      })
    )
  )

  app.get("/desk/resumes/:resumeId", { config: { access: ["reviewer", "ops"], audit: true } }, (request) =>
    run(
      Effect.gen(function* () {
        yield* staffOf(request, ["reviewer", "ops"])
        const { resumeId } = yield* decodeOr400(ResumeParams, request.params)
        return yield* Effect.flatMap(ReviewDesk, (d) => d.resume(resumeId))
      })
    )
  )

  // The contact an `applications.approved` message points to (`seeker.contactPath`): the message itself carries ids only.
  app.get("/desk/seekers/:seekerId/contact", { config: { access: ["reviewer", "ops"], audit: true } }, (request) =>
    run(
      Effect.gen(function* () {
        yield* staffOf(request, ["reviewer", "ops"])
        const { seekerId } = yield* decodeOr400(SeekerParams, request.params)
        return yield* Effect.flatMap(ReviewDesk, (d) => d.contact(seekerId))
      })
    )
  )

  // The drafts an `applications.approved` message points to (`drafts.fetchPath`), written from the approved resume.
  app.get("/desk/seekers/:seekerId/jobs/:jobId/drafts", { config: { access: ["reviewer", "ops"], audit: true } }, (request) =>
    run(
      Effect.gen(function* () {
        yield* staffOf(request, ["reviewer", "ops"])
        const { seekerId, jobId } = yield* decodeOr400(ApprovalParams, request.params)
        return yield* approvedDrafts(seekerId, jobId)
      })
    )
  )

  app.get("/desk/status", { config: { access: opsReader } }, (request) => run(Effect.zipRight(staffOf(request, opsReader), deskStatus)))

  app.register(websocket, { options: { maxPayload: 64 * 1024 } })
  app.register(async (scoped) => {
    scoped.get("/desk/ws", { websocket: true, config: { access: ["reviewer"] } }, (socket) => {
      const send = (message: DeskMessage) => {
        if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message))
      }
      let seat: ReturnType<DeskHub["Type"]["join"]> | null = null
      // Between the hello and the seat, other messages are dropped: a heartbeat sent early is not a second hello.
      let greeting = false
      socket.on("message", (raw) => {
        const text = String(raw)
        if (seat === null) {
          if (greeting) return
          greeting = true
          void run(
            Effect.gen(function* () {
              const hello = yield* Schema.decodeUnknown(HelloMessage)(text).pipe(
                Effect.mapError(() => new BadRequest({ message: 'send {"type":"hello","key":"<your reviewer key>"} first' }))
              )
              const me = yield* Effect.flatMap(Staff, (s) => s.authenticate(hello.key))
              if (me.role !== "reviewer") return yield* new Forbidden({ message: "the desk is for reviewer keys" })
              yield* Effect.flatMap(Staff, (s) => s.heartbeat(me.staffId))
              const { lockAt } = yield* Effect.map(ReviewDesk, (d) => d.settings)
              return { me, warning: me.strikes === lockAt - 1 }
            })
          ).then(
            ({ me, warning }) => {
              if (socket.readyState !== socket.OPEN) return
              // Welcome first, then the seat: the page starts from an empty desk at the welcome, and the seat's
              // first pass pushes every task held.
              send({ type: "welcome", staffId: me.staffId, name: me.name, strikes: me.strikes, warning, locked: me.locked })
              void run(Effect.map(DeskHub, (hub) => hub.join({ staffId: me.staffId, send, strikes: me.strikes, locked: me.locked }))).then(
                (joined) => {
                  seat = joined
                  if (socket.readyState !== socket.OPEN) void run(Effect.map(DeskHub, (hub) => hub.leave(joined)))
                }
              )
            },
            (error: unknown) => {
              send({ type: "error", message: error instanceof Error ? error.message : "not allowed" })
              socket.close(4401, "unauthorized")
            }
          )
          return
        }
        const joined = seat
        if (Option.isSome(Schema.decodeUnknownOption(Heartbeat)(text))) {
          joined.lastHeartbeat = Date.now()
          void run(Effect.flatMap(Staff, (s) => s.heartbeat(joined.staffId))).catch(() => undefined)
        } else send({ type: "error", message: 'unknown message: send {"type":"heartbeat"} every few seconds' })
      })
      socket.on("close", () => {
        const left = seat
        if (left !== null) void run(Effect.map(DeskHub, (hub) => hub.leave(left)))
      })
    })

    deskOpsFeed(scoped, run)
  })
}

/** Who decides: a reviewer's key, or else a seeker's key (their own match tasks only). */
const actorOf = (request: FastifyRequest) =>
  Effect.gen(function* () {
    const asStaff = yield* Effect.either(staffOf(request, ["reviewer"]))
    if (asStaff._tag === "Right") return { kind: "reviewer", staffId: asStaff.right.staffId } satisfies Actor as Actor
    if (asStaff.left._tag !== "Unauthorized") return yield* asStaff.left
    const seekerId = yield* seekerOf(request).pipe(
      Effect.catchTag("Unauthorized", () => new Unauthorized({ message: "send a reviewer key, or the seeker's own key" }))
    )
    return { kind: "seeker", seekerId } satisfies Actor as Actor
  })
