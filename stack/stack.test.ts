import { spawnSync } from "node:child_process"
import net from "node:net"
import path from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"

// The local stack's lifecycle, against the real processes: `down` leaves nothing of ours running and never touches
// the machine's own PostgreSQL; `up` brings everything back healthy (later test files need it running).

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")
const stackSh = path.join(repoRoot, "stack", "stack.sh")
const stateDir = path.resolve(repoRoot, process.env.JOBSTREAM_HOME ?? ".jobstream")
const port = (name: string, fallback: number): number => Number(process.env[name] ?? fallback)
const ourPorts = [
  port("JOBSTREAM_KAFKA_PORT", 19092),
  port("JOBSTREAM_KAFKA_CONTROLLER_PORT", 19093),
  port("JOBSTREAM_PG_PORT", 15432),
  port("JOBSTREAM_CLICKHOUSE_HTTP_PORT", 18123),
  port("JOBSTREAM_CLICKHOUSE_TCP_PORT", 19000)
]
const SYSTEM_PG_PORT = 5432

const stack = (command: string) => {
  const result = spawnSync("bash", [stackSh, command], { cwd: repoRoot, encoding: "utf8", timeout: 170_000 })
  return { code: result.status, output: `${result.stdout ?? ""}${result.stderr ?? ""}` }
}

const accepts = (p: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port: p })
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(2_000, () => done(false))
    socket.once("connect", () => done(true))
    socket.once("error", () => done(false))
  })

/** Live (non-zombie) processes that are this stack's servers: their command line names our state folder. */
const ourProcesses = (): string[] => {
  const ps = spawnSync("ps", ["-eo", "pid=,stat=,args="], { encoding: "utf8" })
  expect(ps.status).toBe(0)
  const server = /kafka\.Kafka|kafka\.tools\.StorageTool|clickhouse-server|\/postgres -D /
  const ownPaths = new RegExp(`${stateDir.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/(kafka|postgres|clickhouse|logs)/`)
  return ps.stdout
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => {
      const stat = line.split(/\s+/, 2)[1] ?? ""
      // This state folder's own services only: a private stack kept in a folder inside it (the fault suite's
      // .jobstream/faults) is not the one `down` stops.
      return line !== "" && !stat.startsWith("Z") && ownPaths.test(line) && server.test(line)
    })
}

describe("stack/stack.sh", () => {
  it("down stops every process of ours and only those; up brings all back healthy", { timeout: 180_000 }, async () => {
    const systemPgBefore = await accepts(SYSTEM_PG_PORT)

    const down = stack("down")
    expect(down.code, down.output).toBe(0)

    expect(ourProcesses()).toEqual([])
    for (const p of ourPorts) {
      expect(await accepts(p), `port ${p} still accepts connections after down`).toBe(false)
    }
    const afterDown = stack("status")
    expect(afterDown.code, afterDown.output).not.toBe(0)
    expect(afterDown.output).toMatch(/kafka\s.*stopped/)
    if (systemPgBefore) {
      expect(await accepts(SYSTEM_PG_PORT), "the system PostgreSQL on 5432 must be left alone").toBe(true)
    }

    const up = stack("up")
    expect(up.code, up.output).toBe(0)
    const status = stack("status")
    expect(status.code, status.output).toBe(0)
    for (const service of ["kafka", "postgres", "clickhouse"]) {
      expect(status.output).toMatch(new RegExp(`^${service}\\s.*healthy`, "m"))
    }
    if (systemPgBefore) expect(await accepts(SYSTEM_PG_PORT)).toBe(true)
  })
})
