import { execFile } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"
import { Schema } from "effect"
import { alive, commandLine } from "./processes.js"

/**
 * A replicated Kafka of its own (stack.sh up --brokers N, Kafka alone, in a temporary state folder and on ports of
 * its own), for tests that kill its nodes: the shared stack never sees a fault. Every look at the cluster goes
 * through an independent client (kcat) or Kafka's own tools, never through the app's client under test.
 */

const execFileAsync = promisify(execFile)
const repoRoot = join(import.meta.dirname, "..")
const host = "127.0.0.1"

export interface KafkaClusterOptions {
  readonly nodes: number
  /** Node i listens on port + 2(i-1), its controller on controllerPort + 2(i-1) (as stack.sh lays them out). */
  readonly port: number
  readonly controllerPort: number
}

/** One partition as Kafka's TopicCommand describes it: the ids of its leader, replicas and in-sync replicas. */
export interface PartitionLayout {
  readonly partition: number
  readonly leader: number
  readonly replicas: ReadonlyArray<number>
  readonly isr: ReadonlyArray<number>
}

export interface TopicLayout {
  readonly topic: string
  readonly replicationFactor: number
  /** The topic's configs that differ from Kafka's built-in defaults, the cluster's own defaults included. */
  readonly configs: Readonly<Record<string, string>>
  readonly partitions: ReadonlyArray<PartitionLayout>
}

export interface KafkaCluster {
  readonly home: string
  /** Every node's client address, for JOBSTREAM_KAFKA_BROKERS. */
  readonly brokers: string
  readonly nodeIds: ReadonlyArray<number>
  /** stack.sh up: formats on first use, starts every node that is not running, returns once each is a broker. */
  readonly up: () => Promise<void>
  /** stack.sh down, then the state folder is deleted, whatever state the cluster is in. */
  readonly destroy: () => Promise<void>
  /** SIGKILL to the node's JVM; returns once it is gone. */
  readonly kill: (node: number) => Promise<void>
  /** The node that leads the KRaft metadata quorum: the active controller. */
  readonly quorumLeader: () => Promise<number>
  /** Every topic with its replication factor, configs and partitions, as Kafka's TopicCommand describes them. */
  readonly describeTopics: () => Promise<ReadonlyArray<TopicLayout>>
  /** The in-sync replicas of each partition of `topic` (kcat's metadata: quick enough to poll). */
  readonly inSyncReplicas: (topic: string) => Promise<ReadonlyArray<ReadonlyArray<number>>>
}

export const kafkaCluster = (options: KafkaClusterOptions): KafkaCluster => {
  const home = mkdtempSync(join(tmpdir(), "jobstream-kafka-cluster-"))
  const nodeIds = Array.from({ length: options.nodes }, (_, i) => i + 1)
  const brokers = nodeIds.map((id) => `${host}:${options.port + 2 * (id - 1)}`).join(",")
  const env = {
    ...process.env,
    JOBSTREAM_HOME: home,
    JOBSTREAM_SERVICES: "kafka",
    JOBSTREAM_KAFKA_NODES: String(options.nodes),
    JOBSTREAM_KAFKA_PORT: String(options.port),
    JOBSTREAM_KAFKA_CONTROLLER_PORT: String(options.controllerPort),
    // Its data is deleted right after: a graceful shutdown has nothing to save.
    JOBSTREAM_STOP_TIMEOUT: "10"
  }
  const script = (command: "up" | "down") => execFileAsync("bash", [join(repoRoot, "stack", "stack.sh"), command], { env, timeout: 300_000 })
  const tool = (main: string, args: ReadonlyArray<string>) =>
    execFileAsync(javaBin(), ["-cp", join(home, "kafka", "libs", "*"), main, "--bootstrap-server", brokers, ...args], {
      timeout: 90_000,
      maxBuffer: 16 * 1024 * 1024
    }).then(({ stdout }) => stdout)

  /** The JVM of node `id`, while it runs: the recorded pid, counted only while its command line is still that node's. */
  const nodePid = (id: number): number | undefined => {
    let pid: number
    try {
      pid = Number(readFileSync(join(home, "run", `kafka-${id}.pid`), "utf8").trim())
    } catch {
      return undefined
    }
    const props = join(home, "kafka", `node-${id}`, "server.properties")
    return Number.isInteger(pid) && pid > 0 && alive(pid) && commandLine(pid).includes(props) ? pid : undefined
  }

  return {
    home,
    brokers,
    nodeIds,
    up: () => script("up").then(() => undefined),
    destroy: async () => {
      try {
        await script("down")
      } finally {
        // A node `down` could not stop would hold the folder's files open: it is killed before they go.
        for (const id of nodeIds) {
          const pid = nodePid(id)
          if (pid !== undefined) process.kill(pid, "SIGKILL")
        }
        rmSync(home, { recursive: true, force: true })
      }
    },
    kill: async (id) => {
      const pid = nodePid(id)
      if (pid === undefined) throw new Error(`Kafka node ${id} is not running`)
      process.kill(pid, "SIGKILL")
      const deadline = Date.now() + 30_000
      while (alive(pid)) {
        if (Date.now() > deadline) throw new Error(`Kafka node ${id} (pid ${pid}) still runs 30 s after SIGKILL`)
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
    },
    quorumLeader: async () => {
      const out = await tool("org.apache.kafka.tools.MetadataQuorumCommand", ["describe", "--status"])
      const leader = /^LeaderId:\s+(\d+)$/m.exec(out)
      if (!leader) throw new Error(`MetadataQuorumCommand named no leader:\n${out}`)
      return Number(leader[1])
    },
    describeTopics: async () => parseTopicDescriptions(await tool("org.apache.kafka.tools.TopicCommand", ["--describe"])),
    inSyncReplicas: async (topic) => {
      const { stdout } = await execFileAsync("kcat", ["-b", brokers, "-L", "-J", "-t", topic, "-m", "10"], { timeout: 30_000 })
      const metadata = Schema.decodeUnknownSync(Schema.parseJson(KcatMetadata))(stdout)
      const found = metadata.topics.find((t) => t.topic === topic)
      if (!found) throw new Error(`kcat found no topic ${topic}`)
      return [...found.partitions].sort((a, b) => a.partition - b.partition).map((p) => p.isrs.map((r) => r.id))
    }
  }
}

/**
 * TopicCommand --describe: a line per topic ("Topic: t<TAB>...<TAB>ReplicationFactor: 3<TAB>Configs: a=1,b=2"),
 * then a line per partition ("<TAB>Topic: t<TAB>Partition: 0<TAB>Leader: 1<TAB>Replicas: 1,2,3<TAB>Isr: 1,2,3 ...").
 */
const parseTopicDescriptions = (text: string): Array<TopicLayout> => {
  const topics: Array<{ topic: string; replicationFactor: number; configs: Record<string, string>; partitions: Array<PartitionLayout> }> = []
  for (const line of text.split("\n")) {
    const fields = new Map<string, string>()
    for (const field of line.trim().split("\t")) {
      const colon = field.indexOf(":")
      if (colon > 0) fields.set(field.slice(0, colon).trim(), field.slice(colon + 1).trim())
    }
    const topic = fields.get("Topic")
    if (topic === undefined) continue
    const ids = (name: string) => (fields.get(name) ?? "").split(",").filter((s) => s !== "").map(Number)
    if (fields.has("Partition")) {
      const owner = topics.find((t) => t.topic === topic)
      if (!owner) throw new Error(`TopicCommand described a partition of ${topic} before the topic`)
      owner.partitions.push({ partition: Number(fields.get("Partition")), leader: Number(fields.get("Leader")), replicas: ids("Replicas"), isr: ids("Isr") })
    } else {
      const configs: Record<string, string> = {}
      for (const pair of (fields.get("Configs") ?? "").split(",")) {
        const eq = pair.indexOf("=")
        if (eq > 0) configs[pair.slice(0, eq)] = pair.slice(eq + 1)
      }
      topics.push({ topic, replicationFactor: Number(fields.get("ReplicationFactor")), configs, partitions: [] })
    }
  }
  return topics
}

const KcatMetadata = Schema.Struct({
  topics: Schema.Array(
    Schema.Struct({
      topic: Schema.String,
      partitions: Schema.Array(Schema.Struct({ partition: Schema.Number, isrs: Schema.Array(Schema.Struct({ id: Schema.Number })) }))
    })
  )
})

const javaBin = () => (process.env.JAVA_HOME ? join(process.env.JAVA_HOME, "bin", "java") : "java")
