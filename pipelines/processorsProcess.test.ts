import { readdirSync, readFileSync } from "node:fs"
import { Duration, Effect, Fiber, ManagedRuntime } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { allTopics, Topics } from "../schemas/Envelope.js"
import type { StageHealth } from "../schemas/Api.js"
import { Kafka } from "../stack/Kafka.js"
import { processorsName, settingsConfig, superviseProcessors, type ProcessorsSettings } from "./processorsProcess.js"
import { StageStats } from "../stack/stage.js"
import { StageMonitor } from "../stack/StageMonitor.js"
import { testConfig } from "./testing.js"
import { dropNamespace, resetStores } from "../stack/testing.js"

const config = testConfig()
const runtime = ManagedRuntime.make(config.layer)

/** The `jobstream process` children of this test process (the supervisor forks them from here). */
const children = () =>
  readdirSync("/proc/self/task")
    .flatMap((task) => readFileSync(`/proc/self/task/${task}/children`, "utf8").trim().split(/\s+/))
    .filter((pid) => pid !== "" && readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("cli.ts\0process"))
    .map(Number)

const stages = () => runtime.runPromise(Effect.flatMap(StageMonitor, (m) => m.snapshot))

/**
 * Polls the mirrored StageMonitor until `ok` holds (or fails the test after `ms`). A child's start (tsx, the
 * migrations, the scorer's model) takes 5-20 s on two busy cores: the tests get 180 s each.
 */
const until = async (ok: (stages: Readonly<Record<string, StageHealth>>) => boolean, ms = 90_000) => {
  const deadline = Date.now() + ms
  for (;;) {
    const now = await stages()
    if (ok(now)) return now
    if (Date.now() > deadline) throw new Error(`not reached within ${ms} ms: ${JSON.stringify(now, null, 1)}`)
    await new Promise((r) => setTimeout(r, 250))
  }
}

const pipelineStages = ["clickhouse", "dedup", "matches", "normalize", "outbox", "postgres", "score"]
const allRunning = (restarts: number) => (now: Readonly<Record<string, StageHealth>>) =>
  [...pipelineStages, processorsName].every((name) => now[name]?.state === "running" && now[name]?.member && now[name]?.restarts === restarts)

let supervisor: Fiber.RuntimeFiber<unknown, unknown> | undefined

beforeAll(async () => {
  await runtime.runPromise(
    Effect.gen(function* () {
      yield* resetStores
      yield* Effect.flatMap(Kafka, (k) => k.ensureTopics(allTopics))
    })
  )
  const settings: ProcessorsSettings = {
    ...(await runtime.runPromise(settingsConfig)),
    env: config.env,
    silence: Duration.seconds(10)
  }
  supervisor = runtime.runFork(superviseProcessors(settings))
})

afterAll(async () => {
  if (supervisor) await runtime.runPromise(Fiber.interrupt(supervisor))
  expect(children()).toEqual([])
  await runtime.runPromise(dropNamespace)
  await runtime.dispose()
})

describe("the stream processors in a supervised child process", () => {
  it("shows the child's stages in this process's monitor, and its counters in this process's stats", async () => {
    await until(allRunning(0))
    expect(children()).toHaveLength(1)
    // A record the normalizer refuses still counts as one in.
    await runtime.runPromise(
      Effect.flatMap(Kafka, (k) => k.send([{ topic: Topics.raw.name, key: "bad", value: Buffer.from("not json"), headers: {} }]))
    )
    const deadline = Date.now() + 30_000
    let counted = 0
    while (counted === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250))
      counted = (await runtime.runPromise(Effect.flatMap(StageStats, (s) => s.snapshot))).get("normalize.in") ?? 0
    }
    expect(counted).toBe(1)
  }, 180_000)

  it("starts a killed child again: its stages say why meanwhile, and count the restart", async () => {
    const [first] = children()
    process.kill(first!, "SIGKILL")
    const down = await until((now) => now.normalize?.state === "restarting")
    expect(down.normalize).toMatchObject({ member: false, lastError: "the processors process exited (SIGKILL)" })
    await until(allRunning(1))
    expect(children()).toHaveLength(1)
    expect(children()[0]).not.toBe(first)
    // The new child's counters start from zero; the mirrored total does not go back.
    expect((await runtime.runPromise(Effect.flatMap(StageStats, (s) => s.snapshot))).get("normalize.in")).toBe(1)
  }, 180_000)

  it("kills a child that stops reporting (stopped, or its event loop held) and starts another", async () => {
    const [stuck] = children()
    process.kill(stuck!, "SIGSTOP")
    const down = await until((now) => now.normalize?.state === "restarting", 30_000)
    expect(down.normalize!.lastError).toBe("the processors process sent no report for 10s: killed")
    await until(allRunning(2))
    expect(children()).not.toContain(stuck)
  }, 180_000)
})
