import type { FastifyInstance } from "fastify"
import { Effect, JSONSchema } from "effect"
import { NotificationSettings, NotificationSettingsInput, NotificationsPage, NotificationsQuery } from "../schemas/Notification.js"
import type { Postgres } from "../stack/Postgres.js"
import type { Seekers } from "./Seekers.js"
import { decodeOr400 } from "./httpErrors.js"
import { TooManyRequests } from "./rateLimits.js"
import { seekerOnly } from "./access.js"
import {
  lastPosition,
  listNotifications,
  notificationSettings,
  notificationsAfter,
  recentNotifications,
  updateNotificationSettings,
  type Positioned
} from "./Notifications.js"
import { owner } from "./seekerRoutes.js"

type Run = <A, E>(effect: Effect.Effect<A, E, Postgres | Seekers>) => Promise<A>

/** Open live streams one seeker may hold (tabs, devices); one more is refused with 429. */
export const streamsPerSeeker = 5

/** How often the live streams look for new notifications, and how far back (see `recentNotifications`). */
const pollMs = 1000
const windowSeconds = 120
const heartbeatMs = 15_000

interface Listener {
  readonly seekerId: string
  /** Stream positions at or below this were there before the stream opened (or were sent as its backlog). */
  readonly after: number
  readonly sent: Set<number>
  readonly write: (text: string) => void
}

const event = (p: Positioned) => `id: ${p.id}\nevent: notification\ndata: ${JSON.stringify(p.notification)}\n\n`

/**
 * The seeker's notifications: the list, the settings (webhook, email, threshold, quiet hours, digest) and a live
 * stream of Server-Sent Events. One poll a second serves every open stream of this process, whatever their
 * number; a stream that reconnects with `Last-Event-ID` first gets what it missed.
 */
export const notificationRoutes = (app: FastifyInstance, run: Run) => {
  const listeners = new Set<Listener>()

  const poll = async () => {
    if (listeners.size === 0) return
    const seekers = [...new Set([...listeners].map((l) => l.seekerId))]
    let recent: Array<Positioned>
    try {
      recent = await run(recentNotifications(seekers, windowSeconds))
    } catch {
      return // The next poll tries again; the window covers what this one missed.
    }
    for (const listener of listeners) {
      const mine = recent.filter((p) => p.seekerId === listener.seekerId && p.id > listener.after)
      for (const p of mine) if (!listener.sent.has(p.id)) listener.write(event(p))
      // Only what is still in the window needs remembering.
      listener.sent.clear()
      for (const p of mine) listener.sent.add(p.id)
    }
  }
  let polling = false
  const timer = setInterval(() => {
    if (polling) return
    polling = true
    void poll().finally(() => {
      polling = false
    })
  }, pollMs)
  const heartbeat = setInterval(() => {
    for (const l of listeners) l.write(": keep-alive\n\n")
  }, heartbeatMs)
  app.addHook("onClose", async () => {
    clearInterval(timer)
    clearInterval(heartbeat)
  })

  app.get(
    "/seekers/:seekerId/notifications",
    { config: seekerOnly, schema: { querystring: JSONSchema.make(NotificationsQuery), response: { 200: JSONSchema.make(NotificationsPage) } } },
    (request) =>
      run(
        Effect.gen(function* () {
          const seekerId = yield* owner(request)
          const query = yield* decodeOr400(NotificationsQuery, request.query)
          return yield* listNotifications(seekerId, query.limit ?? 20, query.before ?? null)
        })
      )
  )

  app.get(
    "/seekers/:seekerId/notifications/settings",
    { config: seekerOnly, schema: { response: { 200: JSONSchema.make(NotificationSettings) } } },
    (request) => run(Effect.flatMap(owner(request), notificationSettings))
  )

  app.put(
    "/seekers/:seekerId/notifications/settings",
    {
      config: seekerOnly,
      schema: { body: JSONSchema.make(NotificationSettingsInput), response: { 200: JSONSchema.make(NotificationSettings) } }
    },
    (request) =>
      run(
        Effect.gen(function* () {
          const seekerId = yield* owner(request)
          const input = yield* decodeOr400(NotificationSettingsInput, request.body)
          return yield* updateNotificationSettings(seekerId, input)
        })
      )
  )

  // Server-Sent Events: `event: notification`, `id:` the stream position, `data:` the notification as JSON.
  app.get("/seekers/:seekerId/notifications/stream", { config: seekerOnly }, async (request, reply) => {
    const resumeFrom = Number(request.headers["last-event-id"])
    const { seekerId, backlog, after } = await run(
      Effect.gen(function* () {
        const seekerId = yield* owner(request)
        if ([...listeners].filter((l) => l.seekerId === seekerId).length >= streamsPerSeeker)
          return yield* new TooManyRequests({ message: `at most ${streamsPerSeeker} notification streams at once; close one first`, retryAfterS: 30 })
        if (Number.isSafeInteger(resumeFrom) && resumeFrom >= 0) {
          const backlog = yield* notificationsAfter(seekerId, resumeFrom, 500)
          return { seekerId, backlog, after: Math.max(resumeFrom, ...backlog.map((p) => p.id)) }
        }
        return { seekerId, backlog: [], after: yield* lastPosition }
      })
    )
    reply.hijack()
    const raw = reply.raw
    raw.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
      connection: "keep-alive",
      "x-content-type-options": "nosniff",
      "x-accel-buffering": "no"
    })
    const listener: Listener = { seekerId, after, sent: new Set(), write: (text) => void raw.write(text) }
    raw.write("retry: 3000\n\n")
    for (const p of backlog) raw.write(event(p))
    listeners.add(listener)
    request.raw.on("close", () => listeners.delete(listener))
  })
}
