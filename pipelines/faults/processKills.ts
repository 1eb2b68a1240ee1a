import type { Exit } from "./appProcess.js"
import { applicationsOf, postingsOf, someJobs, type ApplicationsReport, type PostingsReport } from "./checks.js"
import { postingsPerSecond, recoveryBoundMs } from "./dependencyFault.js"
import { PostingLoad } from "./postingLoad.js"
import type { Reading } from "./recovery.js"
import { SeekerLoad } from "./seekerLoad.js"
import { ensureSettled, type FaultContext } from "./suite.js"

export interface KillsObservation {
  readonly kills: number
  readonly seed: number
  /**
   * Per kill: what was killed, ms after the previous start was live, and the records waiting in some stage at that
   * moment.
   */
  readonly moments: ReadonlyArray<{ readonly target: "processors" | "app"; readonly afterMs: number; readonly inFlight: number | null }>
  /** Per restart: ms until the app's `/livez` answered, or until the app reported a new processors process running. */
  readonly restartMs: ReadonlyArray<number>
  readonly published: number
  /** From the last restart's start to a recovered pipeline; undefined when it did not recover within the bound. */
  readonly recoveryMs: number | undefined
  readonly lastReading: Reading
  readonly postings: PostingsReport
  readonly applications: ApplicationsReport
  readonly refusedSteps: ReadonlyArray<string>
  /** Exits the suite did not cause: a restarted app that died by itself. */
  readonly crashes: ReadonlyArray<Exit>
}

/**
 * SIGKILL `kills` times at random moments under the steady load, in turn: the processors process alone (the app
 * must start another by itself), then the whole app (API and processors; the suite starts it again, as a process
 * supervisor would). The moments are drawn from a seeded generator: the report gives the seed, and
 * JOBSTREAM_FAULTS_SEED replays a run's moments.
 */
export const killProcessesRepeatedly = async (ctx: FaultContext, kills: number, seed: number): Promise<KillsObservation> => {
  await ensureSettled(ctx)
  const begin = Date.now()
  const random = mulberry32(seed)
  const { runtime, app, log } = ctx
  const source = "faults-process-kill"
  const postings = new PostingLoad(runtime, source, postingsPerSecond)
  const seekers = new SeekerLoad(log, app.url, ctx.seekers, await someJobs(runtime, 40))
  postings.start()
  seekers.start()
  const moments: Array<{ target: "processors" | "app"; afterMs: number; inFlight: number | null }> = []
  const restartMs: Array<number> = []
  let lastStart = Date.now()
  for (let i = 0; i < kills; i++) {
    // Anywhere from mid start-up work (the scorer reading its seekers) to several batches in.
    const afterMs = Math.round(500 + random() * 5500)
    await new Promise((r) => setTimeout(r, afterMs))
    const inFlight = await ctx.watch.kafka.lag()
    const processors = i % 2 === 0 ? app.processorsPid() : undefined
    if (processors === undefined) {
      await app.stop("SIGKILL")
      moments.push({ target: "app", afterMs, inFlight })
      lastStart = Date.now()
      restartMs.push(await app.start())
    } else {
      process.kill(processors, "SIGKILL")
      moments.push({ target: "processors", afterMs, inFlight })
      lastStart = Date.now()
      restartMs.push(await app.processorsReplaced(processors))
    }
  }
  await Promise.all([postings.stop(recoveryBoundMs), seekers.stop(recoveryBoundMs)])
  const recovered = await ctx.watch.recovered(app.url, recoveryBoundMs)
  return {
    kills,
    seed,
    moments,
    restartMs,
    published: postings.acknowledged.length,
    recoveryMs: recovered.at === undefined ? undefined : recovered.at - lastStart,
    lastReading: recovered.last,
    postings: await postingsOf(runtime, source, postings.acknowledged),
    applications: await applicationsOf(runtime, seekers.confirmed),
    refusedSteps: seekers.refused,
    crashes: ctx.app.unexpectedExitsSince(begin)
  }
}

/** A small seeded generator (mulberry32): the same seed, the same kill moments. */
const mulberry32 = (seed: number) => {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}
