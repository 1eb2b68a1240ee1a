import { fork, type ChildProcess } from "node:child_process"
import { join } from "node:path"
import type { GroupState, Question } from "./kafkaObserverProcess.js"
import type { Target } from "./wiring.js"

/**
 * Asks the broker about the run's consumer groups, lag and topics through kafkaObserverProcess.ts, a child the
 * client library may crash (it does, reading group offsets right after a broker restart) without taking the
 * suite with it. A question the child does not answer in time, or that dies with it, answers null; the next
 * question starts a new child. `crashes` counts the children lost that way.
 */
export class KafkaObserver {
  crashes = 0
  private child: ChildProcess | undefined
  private ready: Promise<void> | undefined
  private nextId = 1
  private readonly waiting = new Map<number, (value: unknown) => void>()

  constructor(private readonly target: Target) {}

  groups = () => this.ask<ReadonlyArray<GroupState>>({ kind: "groups" })
  lag = () => this.ask<number>({ kind: "lag" })
  /** The sum of the topic's partition end offsets: how many records it ever held. */
  topicEnd = (topic: string) => this.ask<number>({ kind: "end", topic })

  stop() {
    this.child?.kill("SIGTERM")
    this.child = undefined
  }

  private async ask<A>(question: Question, timeoutMs = 15_000): Promise<A | null> {
    await this.start()
    const child = this.child
    if (!child) return null
    const id = this.nextId++
    return new Promise<A | null>((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id)
        // A hung child would answer nothing ever again: a fresh one answers the next question.
        if (this.child === child) this.stop()
        resolve(null)
      }, timeoutMs)
      this.waiting.set(id, (value) => {
        clearTimeout(timer)
        resolve(value as A | null)
      })
      child.send({ id, question })
    })
  }

  private start() {
    if (this.child && this.ready) return this.ready
    const child = fork(join(import.meta.dirname, "kafkaObserverProcess.ts"), [], {
      execArgv: ["--import", "tsx"],
      env: { ...process.env, JOBSTREAM_KAFKA_BROKERS: this.target.stack.kafkaBrokers, JOBSTREAM_KAFKA_NAMESPACE: this.target.namespace },
      stdio: ["ignore", "ignore", "ignore", "ipc"]
    })
    this.child = child
    this.ready = new Promise<void>((resolve) => {
      child.on("message", (message: { id: number; value: unknown }) => {
        if (message.id === 0) return resolve()
        this.waiting.get(message.id)?.(message.value)
        this.waiting.delete(message.id)
      })
      child.once("exit", (code, signal) => {
        if (this.child === child) {
          this.child = undefined
          if (signal !== "SIGTERM") this.crashes++
        }
        for (const settle of this.waiting.values()) settle(null)
        this.waiting.clear()
        resolve()
      })
    })
    return this.ready
  }
}
