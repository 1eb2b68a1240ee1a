import type { RouteSummary, Sample } from "./apiLog.js"
import { startProbe, type ProbeRoute } from "./apiLog.js"
import type { Exit } from "./appProcess.js"
import { applicationsOf, postingsOf, someJobs, type ApplicationsReport, type PostingsReport } from "./checks.js"
import { PostingLoad } from "./postingLoad.js"
import type { Reading } from "./recovery.js"
import { SeekerLoad } from "./seekerLoad.js"
import type { Service } from "./stack.js"
import { ensureSettled, type FaultContext } from "./suite.js"
import { scrapeToken } from "./wiring.js"

/** One outage of one dependency while the load runs, or (`none`) the same load and nothing else: the control. */
export interface DependencyFault {
  /** As the report shows it, e.g. "PostgreSQL stopped 30 s". */
  readonly name: string
  /**
   * `pause`: SIGSTOP, then SIGCONT; `stop`: the process ends, then `stack.sh up` starts it again; `none`: nothing
   * happens for `seconds`.
   */
  readonly kind: "pause" | "stop" | "none"
  readonly service?: Service
  readonly seconds: number
  /** Routes that need the service: a fast 503 is the right answer from them during the outage. */
  readonly affected: ReadonlyArray<string>
}

export interface FaultObservation {
  readonly fault: DependencyFault
  /** The app had to be restarted before this scenario, because the one before never recovered. */
  readonly restartedBefore: boolean
  /** When the signal was sent. */
  readonly injected: number
  /** When the service was down: its processes stopped (paused, or exited). */
  readonly start: number
  /** When healing began (SIGCONT sent, or `stack.sh up` called): the service cannot be back before. */
  readonly healing: number
  /** When the service was back (resumed, or answering after its start). */
  readonly end: number
  /** Records waiting in some stage when the fault began. */
  readonly inFlight: number | null
  readonly published: number
  /** Postings made during the outage that the broker had not acknowledged when it ended. */
  readonly unacknowledgedAtEnd: number
  /** Milliseconds from `end` to a recovered pipeline; undefined when it did not recover within the bound. */
  readonly recoveryMs: number | undefined
  readonly lastReading: Reading
  readonly postings: PostingsReport
  readonly applications: ApplicationsReport
  readonly refusedSteps: ReadonlyArray<string>
  readonly crashes: ReadonlyArray<Exit>
  /** Times the Kafka client crashed the suite's own observer process (see KafkaObserver) during the scenario. */
  readonly observerCrashes: number
  /** Every API call from the fault's start until the pipeline recovered (or the bound ran out). */
  readonly samples: ReadonlyArray<Sample>
  readonly api: ReadonlyArray<RouteSummary>
}

/** A recovered pipeline within this long after the dependency is back, or the scenario fails. */
export const recoveryBoundMs = 90_000
/** Steady load: postings per second on `jobs.raw`. */
export const postingsPerSecond = 20
const warmUpMs = 3000

/** The routes the probe reads all along; the load adds the writes (applications, preferences, resumes, thumbs). */
export const probeRoutes = (ctx: FaultContext): Array<ProbeRoute> => {
  const seeker = { authorization: `Bearer ${ctx.seekers[0]!.apiKey}` }
  const ops = { authorization: `Bearer ${ctx.opsKey}` }
  return [
    { route: "/healthz", path: "/healthz" },
    { route: "/livez", path: "/livez" },
    { route: "/readyz", path: "/readyz" },
    { route: "/jobs", path: "/jobs?limit=5" },
    { route: "/seekers/:id/matches", path: "/seekers/me/matches?limit=5", headers: seeker },
    { route: "/seekers/:id/gaps", path: "/seekers/me/gaps", headers: seeker },
    { route: "/seekers/:id/notifications", path: "/seekers/me/notifications?limit=5", headers: seeker },
    { route: "/desk/status", path: "/desk/status", headers: ops },
    { route: "/kpis", path: "/kpis", headers: ops },
    { route: "/kpis/:name", path: "/kpis/decisions", headers: ops },
    { route: "/metrics", path: "/metrics", headers: { authorization: `Bearer ${scrapeToken(ctx.target)}` } },
    { route: "/dashboard", path: "/dashboard" }
  ]
}

/**
 * Runs one dependency fault: load and probes start, the pipeline warms up, the service is paused or stopped for
 * `seconds`, then brought back; the load stops when the service is back (every posting made until then is still
 * published, retried until acknowledged), and the suite waits for a recovered pipeline before it counts.
 */
export const runDependencyFault = async (ctx: FaultContext, fault: DependencyFault): Promise<FaultObservation> => {
  const restartedBefore = await ensureSettled(ctx)
  const { runtime, app, log, target } = ctx
  const observerCrashes = ctx.watch.kafka.crashes
  const source = `faults-${fault.service ?? "control"}-${fault.kind}`
  const postings = new PostingLoad(runtime, source, postingsPerSecond)
  const seekers = new SeekerLoad(log, app.url, ctx.seekers, await someJobs(runtime, 40))
  const probe = startProbe(log, app.url, probeRoutes(ctx))
  postings.start()
  seekers.start()
  await sleep(warmUpMs)

  const inFlight = await ctx.watch.kafka.lag()
  const injected = Date.now()
  if (fault.service && fault.kind === "pause") await target.stack.pause(fault.service)
  if (fault.service && fault.kind === "stop") await target.stack.stop(fault.service)
  // A database's graceful shutdown takes seconds, and it may answer meanwhile: the outage starts once it is gone.
  const start = Date.now()
  await sleep(fault.seconds * 1000)
  const healing = Date.now()
  if (fault.service && fault.kind === "pause") await target.stack.resume(fault.service)
  if (fault.service && fault.kind === "stop") await target.stack.up()
  const end = Date.now()

  const unacknowledgedAtEnd = postings.waiting
  // Everything made during the outage is published before recovery is judged: lag 0 must include it.
  await Promise.all([postings.stop(recoveryBoundMs), seekers.stop(recoveryBoundMs)])
  const recovered = await ctx.watch.recovered(app.url, recoveryBoundMs - (Date.now() - end))
  await probe.stop()
  const until = Date.now()

  return {
    fault,
    restartedBefore,
    injected,
    start,
    healing,
    end,
    inFlight,
    published: postings.acknowledged.length,
    unacknowledgedAtEnd,
    recoveryMs: recovered.at === undefined ? undefined : Math.max(0, recovered.at - end),
    lastReading: recovered.last,
    postings: await postingsOf(runtime, source, postings.acknowledged),
    applications: await applicationsOf(runtime, seekers.confirmed),
    refusedSteps: seekers.refused,
    crashes: app.unexpectedExitsSince(injected),
    observerCrashes: ctx.watch.kafka.crashes - observerCrashes,
    samples: log.between(injected, until),
    api: log.summarize(injected, until)
  }
}

/**
 * Answers that break the rules during a fault and the 5 s after it, while its backlog drains: a failed unrelated
 * route or one slower than `unrelatedMs`, a slow or wrong answer from an affected one.
 */
export const ruleBreaks = (o: FaultObservation, limits: { unrelatedMs: number; affectedMs: number }) => {
  const windowEnd = o.end + 5000
  const during = o.samples.filter((s) => s.at < windowEnd)
  const affected = new Set([...o.fault.affected, "/healthz", "/readyz"])
  return {
    unrelated: during.filter((s) => !affected.has(s.route) && (s.status < 200 || s.status >= 300 || s.ms > limits.unrelatedMs)),
    affected: during.filter(
      (s) => affected.has(s.route) && (s.ms > limits.affectedMs || !((s.status >= 200 && s.status < 300) || s.status === 503))
    )
  }
}

/**
 * `/healthz` answers that lied: from 5 s into the outage (time to notice) until healing began, every answer must
 * say degraded, with the failed dependency's check not ok. With no fault, every answer must say ok.
 */
export const healthLies = (o: FaultObservation) => {
  const service = o.fault.service
  return o.samples.filter(
    (s) =>
      s.route === "/healthz" &&
      s.at >= o.start + 5000 &&
      s.at + s.ms <= o.healing &&
      (s.health === undefined ||
        (service === undefined ? s.health.status !== "ok" : s.health.status === "ok" || s.health.checks[service].ok))
  )
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
