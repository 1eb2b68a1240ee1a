import { randomBytes } from "node:crypto"
import { mkdirSync } from "node:fs"
import { join } from "node:path"
import ckjs from "@confluentinc/kafka-javascript"
import { Effect } from "effect"
import * as Staff from "../Staff.js"
import { ApiLog } from "./apiLog.js"
import { AppProcess, freePort } from "./appProcess.js"
import { KafkaObserver } from "./kafkaObserver.js"
import { PostingLoad } from "./postingLoad.js"
import { notRecovered, PipelineWatch } from "./recovery.js"
import { registerSeekers, type SeekerSession } from "./seekerLoad.js"
import { privateStack } from "./stack.js"
import { WebhookReceivers } from "./webhookReceivers.js"
import { appEnv, suiteRuntime, type SuiteRuntime, type Target } from "./wiring.js"

/** Everything a scenario works with: the private stack, the app under test, the suite's clients and its API log. */
export interface FaultContext {
  readonly target: Target
  readonly runtime: SuiteRuntime
  readonly app: AppProcess
  readonly log: ApiLog
  readonly watch: PipelineWatch
  readonly seekers: ReadonlyArray<SeekerSession>
  /** An ops admin's key, for the desk's routes. */
  readonly opsKey: string
  /** The first seeker's webhook never answers; the second's answers and counts what it got. */
  readonly webhooks: WebhookReceivers
}

/** Every run's Kafka namespace starts so: how a run's own processes are told from anyone else's. */
const namespacePrefix = "faults-"

/** How long a healthy pipeline may take to settle before a scenario starts (or after the app restarts). */
const settleMs = 120_000

/**
 * Starts the private stack (idempotent), gives the run an empty database and a Kafka namespace of its own,
 * starts `jobstream serve`, registers seekers and runs a first batch of postings through, so that every stage
 * has joined its group and the seekers have jobs to apply to. Fails when that baseline never becomes healthy:
 * no fault result would mean anything then.
 */
export const setUpSuite = async (): Promise<FaultContext> => {
  const stack = privateStack()
  await stack.up()
  const pidFile = join(stack.home, "run", "faults-app.pid")
  AppProcess.endLeftover(pidFile, namespacePrefix)
  const database = "jobstream_faults"
  await stack.freshDatabase(database)
  const target: Target = { stack, database, namespace: `${namespacePrefix}${randomBytes(3).toString("hex")}.` }
  const runtime = suiteRuntime(target)
  const logs = join(stack.home, "logs")
  mkdirSync(logs, { recursive: true })
  const app = new AppProcess(appEnv(target), await freePort(), join(logs, `serve-${target.namespace}log`), pidFile)
  await app.start()
  const watch = new PipelineWatch(new KafkaObserver(target))
  const log = new ApiLog()
  const seekers = await registerSeekers(log, app.url, 3)
  const webhooks = new WebhookReceivers()
  await webhooks.start()
  for (const [seeker, url] of [[seekers[0]!, webhooks.silentUrl], [seekers[1]!, webhooks.answeringUrl]] as const) {
    const set = await fetch(`${app.url}/seekers/me/notifications/settings`, {
      method: "PUT",
      headers: { authorization: `Bearer ${seeker.apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ webhookUrl: url, matchThreshold: 0 })
    })
    if (set.status !== 200) throw new Error(`PUT /seekers/me/notifications/settings answered ${set.status}: ${await set.text()}`)
  }
  // The first ops account cannot come from the API (only ops keys create staff): it is made as `npm start` makes its own.
  const { apiKey: opsKey } = await runtime.runPromise(Effect.flatMap(Staff.make, (staff) => staff.create({ name: "faults ops", role: "ops" })))
  const seed = new PostingLoad(runtime, "faults-seed", 50)
  seed.start()
  await new Promise((r) => setTimeout(r, 3000))
  await seed.stop()
  const settled = await watch.recovered(app.url, settleMs)
  if (settled.at === undefined)
    throw new Error(`the pipeline never became healthy before any fault: ${notRecovered(settled.last).join("; ")}\n${app.logTail()}`)
  return { target, runtime, app, log, watch, seekers, opsKey, webhooks }
}

/**
 * Before a scenario: the pipeline recovered from whatever came before. When it has not (a scenario that failed
 * to recover), the app is restarted, so each scenario is judged on its own fault; returns whether it had to.
 */
export const ensureSettled = async (ctx: FaultContext): Promise<boolean> => {
  if ((await ctx.watch.recovered(ctx.app.url, 30_000)).at !== undefined) return false
  await ctx.app.stop("SIGKILL")
  await ctx.app.start()
  const settled = await ctx.watch.recovered(ctx.app.url, settleMs)
  if (settled.at === undefined) throw new Error(`the pipeline did not settle even after a restart: ${notRecovered(settled.last).join("; ")}`)
  return true
}

/** Stops the app, deletes the run's topics and stops the private stack (`npm run stack:down` does not know it). */
export const tearDownSuite = async (ctx: FaultContext | undefined) => {
  const stack = privateStack()
  try {
    if (ctx) {
      await ctx.app.stop()
      await ctx.webhooks.close()
      ctx.watch.kafka.stop()
      await deleteTopics(ctx.target).catch(() => undefined)
      await ctx.runtime.dispose()
    }
  } finally {
    await stack.down()
  }
}

const deleteTopics = async ({ stack, namespace }: Target) => {
  const admin = new ckjs.KafkaJS.Kafka({ kafkaJS: { brokers: [stack.kafkaBrokers], logLevel: ckjs.KafkaJS.logLevel.NOTHING } }).admin()
  await admin.connect()
  try {
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(namespace))
    if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 10_000 })
  } finally {
    await admin.disconnect()
  }
}
