import type { FastifyInstance } from "fastify"
import { Effect, Schema } from "effect"
import { kpiInfo, type KpiName } from "../sinks/kpiCatalogue.js"
import { runKpi } from "../sinks/kpis.js"
import type { ClickHouse } from "../stack/ClickHouse.js"
import { Forbidden } from "./httpErrors.js"
import { ReviewDesk } from "./ReviewDesk.js"
import { Staff } from "./Staff.js"

type Run = <A, E>(effect: Effect.Effect<A, E, Staff | ReviewDesk | ClickHouse>) => Promise<A>

/** A socket's first message: the key, sent in the body because a browser's WebSocket cannot set headers. */
export const HelloMessage = Schema.parseJson(Schema.Struct({ type: Schema.Literal("hello"), key: Schema.String }))

/** The desk now: tasks waiting and held, and every reviewer's presence, load and standing. */
export const deskStatus = Effect.gen(function* () {
  const counts = yield* Effect.flatMap(ReviewDesk, (d) => d.counts)
  const staff = yield* Effect.flatMap(Staff, (s) => s.list)
  return { ...counts, reviewers: staff.filter((s) => s.role === "reviewer") }
})

/** The review desk's KPIs in the ops feed: time to decision, SLA misses per reviewer, auto-apply vs manual. */
export const deskKpiNames = ["review_decision_time", "sla_misses", "approval_channels"] as const satisfies ReadonlyArray<KpiName>

/**
 * The desk's KPIs for today (UTC midnight to `now`), each as `GET /kpis/:name?from=&to=` answers it over the
 * same range: the feed and the API read the same ClickHouse tables with the same SQL.
 */
export const deskKpis = (now: Date) =>
  Effect.gen(function* () {
    const from = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()))
    const kpis = yield* Effect.forEach(
      deskKpiNames,
      (name) => Effect.map(runKpi(name, { from, to: now }), (rows) => ({ kpi: name, columns: kpiInfo(name).columns, rows })),
      { concurrency: "unbounded" }
    )
    return { from: from.toISOString(), to: now.toISOString(), kpis }
  })

/**
 * `f` while no call of it is still running, else nothing: a read that hangs until its dependency's limit is not
 * started again every second on top of itself.
 */
const oneAtATime = (f: () => Promise<unknown>) => {
  let running = false
  return async () => {
    if (running) return
    running = true
    try {
      await f()
    } finally {
      running = false
    }
  }
}

/** How often the feed pushes the desk's state, and how often it reads its KPIs again (sent when they changed). */
export const feedIntervals = { statusMs: 1000, kpisMs: 5000 } as const

/**
 * `GET /desk/ops/ws`: after a hello with an ops key, the desk's state (`{"type":"status"}`) every second and its
 * KPIs for today (`{"type":"kpis"}`) at once and then whenever they change, read every 5 s. A KPI read that fails
 * (ClickHouse out) is pushed as `{"type":"kpis","error"}`: the status keeps coming. A refused key closes the
 * socket with 4401.
 */
export const deskOpsFeed = (scoped: FastifyInstance, run: Run) => {
  scoped.get("/desk/ops/ws", { websocket: true, config: { access: ["ops"] } }, (socket) => {
    const timers: Array<NodeJS.Timeout> = []
    const send = (message: object) => socket.readyState === socket.OPEN && socket.send(JSON.stringify(message))
    socket.once("message", (raw) => {
      const key = Schema.decodeUnknownOption(HelloMessage)(String(raw))
      const ops = Effect.flatMap(Staff, (s) => s.authenticate(key._tag === "Some" ? key.value.key : undefined)).pipe(
        Effect.filterOrFail((me) => me.role === "ops", () => new Forbidden({ message: "the ops feed is for ops keys" }))
      )
      void run(ops).then(
        () => {
          if (socket.readyState !== socket.OPEN) return
          const pushStatus = oneAtATime(() => run(deskStatus).then((status) => send({ type: "status", ...status }), () => undefined))
          let lastKpis = ""
          const pushKpis = oneAtATime(() =>
            run(deskKpis(new Date())).then(
              ({ from, to, kpis }) => {
                const rows = JSON.stringify(kpis)
                if (rows === lastKpis) return
                lastKpis = rows
                send({ type: "kpis", from, to, kpis })
              },
              (error: unknown) => {
                lastKpis = ""
                send({ type: "kpis", error: error instanceof Error ? error.message : "the desk's KPIs could not be read" })
              }
            )
          )
          void pushStatus()
          void pushKpis()
          timers.push(setInterval(() => void pushStatus(), feedIntervals.statusMs), setInterval(() => void pushKpis(), feedIntervals.kpisMs))
        },
        (error: unknown) => {
          send({ type: "error", message: error instanceof Error ? error.message : "not allowed" })
          socket.close(4401, "unauthorized")
        }
      )
    })
    socket.on("close", () => timers.forEach(clearInterval))
  })
}
