import ckjs from "@confluentinc/kafka-javascript"
import { Duration, Effect, ManagedRuntime } from "effect"
import { pipelineLag, stageGroups } from "../ingest.js"
import * as Kafka from "../../stack/Kafka.js"

/**
 * The fault suite's reader of consumer groups, lag and topic ends, in a process of its own (see KafkaObserver):
 * the Kafka client aborts the process that asks for group offsets while a restarted broker has no coordinator
 * yet, and the suite must outlive that. Answers `{ id, kind }` messages with `{ id, value }`, `value` null when
 * the broker could not say.
 */

export type Question = { readonly kind: "groups" } | { readonly kind: "lag" } | { readonly kind: "end"; readonly topic: string }

export interface GroupState {
  readonly groupId: string
  readonly members: number
  readonly stable: boolean
}

const brokers = process.env.JOBSTREAM_KAFKA_BROKERS ?? ""
const namespace = process.env.JOBSTREAM_KAFKA_NAMESPACE ?? ""
// The scorer's groups are those of the shards the app runs (JOBSTREAM_SCORER_SHARDS, passed through by the suite).
const groupIds = Effect.runSync(stageGroups).map((g) => namespace + g.groupId)
const admin = new ckjs.KafkaJS.Kafka({ kafkaJS: { brokers: [brokers], logLevel: ckjs.KafkaJS.logLevel.NOTHING } }).admin()
const runtime = ManagedRuntime.make(
  Kafka.layer({
    brokers,
    clientId: "jobstream-faults-observer",
    namespace,
    sendTimeout: Duration.seconds(5),
    callTimeout: Duration.seconds(5)
  })
)

const answer = async (question: Question): Promise<unknown> => {
  switch (question.kind) {
    case "groups": {
      const described = await admin.describeGroups(groupIds, { timeout: 5000 })
      // 3 is ConsumerGroupStates.STABLE.
      return described.groups.map((g): GroupState => ({ groupId: g.groupId.slice(namespace.length), members: g.members.length, stable: g.state === 3 }))
    }
    case "lag":
      return runtime.runPromise(pipelineLag.pipe(Effect.timeout("10 seconds")))
    case "end": {
      const partitions = await admin.fetchTopicOffsets(namespace + question.topic)
      return partitions.reduce((sum, p) => sum + Number(p.high), 0)
    }
  }
}

await admin.connect()
process.on("message", (message: { readonly id: number; readonly question: Question }) => {
  answer(message.question).then(
    (value) => process.send?.({ id: message.id, value }),
    () => process.send?.({ id: message.id, value: null })
  )
})
// The suite is gone (finished, or killed): nothing left to answer.
process.on("disconnect", () => process.exit(0))
process.send?.({ id: 0, value: "ready" })
