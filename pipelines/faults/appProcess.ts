import { spawn, type ChildProcess } from "node:child_process"
import { closeSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { createServer } from "node:net"
import { join } from "node:path"
import { repoRoot } from "./stack.js"

const cli = join(repoRoot, "pipelines", "cli.ts")

export interface Exit {
  readonly at: number
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  /** The suite killed it (a scenario's SIGKILL or the teardown), as opposed to the process ending by itself. */
  readonly byTheSuite: boolean
}

/** `node --import tsx pipelines/cli.ts <args>`, as a user runs it, its output appended to `logPath`. */
export const spawnCli = (args: ReadonlyArray<string>, env: NodeJS.ProcessEnv, logPath: string): ChildProcess => {
  const log = openSync(logPath, "a")
  try {
    return spawn(process.execPath, ["--import", "tsx", cli, ...args], { cwd: repoRoot, env, stdio: ["ignore", log, log] })
  } finally {
    closeSync(log)
  }
}

/** Resolves with the exit code (or the signal's name) once the child has ended. */
export const exited = (child: ChildProcess): Promise<number | NodeJS.Signals> =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve(child.exitCode ?? child.signalCode!)
    : new Promise((resolve) => child.once("exit", (code, signal) => resolve(code ?? signal!)))

/** A TCP port nobody listens on right now. */
export const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))))
    })
  })

/**
 * The system under test: `jobstream serve` (migrations and topics, the HTTP API, and the stream processors in a
 * process of their own that it supervises) in a child process of its own, restartable. Every exit is kept, so a scenario can tell a process that
 * died by itself from one the suite killed.
 */
export class AppProcess {
  readonly url: string
  readonly exits: Array<Exit> = []
  private child: ChildProcess | undefined
  private killing = false

  /**
   * `pidFile` keeps the running app's pid: a suite whose own process died (a crash in a client library, a
   * Ctrl-C) leaves its app running, and the next suite ends it (see `endLeftover`).
   */
  constructor(
    private readonly env: NodeJS.ProcessEnv,
    readonly port: number,
    readonly logPath: string,
    private readonly pidFile: string
  ) {
    this.url = `http://127.0.0.1:${port}`
  }

  /**
   * Ends the app a previous suite left running: the recorded pid, if it is still a `cli.ts serve` started with
   * `namespaceMark` in its environment (never another developer's `jobstream serve`).
   */
  static endLeftover(pidFile: string, namespaceMark: string) {
    try {
      const pid = Number(readFileSync(pidFile, "utf8").trim())
      const ours =
        readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(`${cli}\0serve`) &&
        readFileSync(`/proc/${pid}/environ`, "utf8").includes(`JOBSTREAM_KAFKA_NAMESPACE=${namespaceMark}`)
      if (ours) process.kill(pid, "SIGKILL")
    } catch {
      // No pid file, or its process is gone: nothing was left.
    }
    rmSync(pidFile, { force: true })
  }

  get running() {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null
  }

  /** Starts the process and waits until `/livez` answers 200; returns how long that took (ms). */
  async start(timeoutMs = 180_000): Promise<number> {
    if (this.running) throw new Error("the app is already running")
    const started = Date.now()
    const child = spawnCli(["serve"], { ...this.env, JOBSTREAM_API_PORT: String(this.port) }, this.logPath)
    this.child = child
    writeFileSync(this.pidFile, `${child.pid}\n`)
    child.once("exit", (code, signal) => {
      this.exits.push({ at: Date.now(), code, signal, byTheSuite: this.killing })
      this.killing = false
    })
    while (Date.now() - started < timeoutMs) {
      if (!this.running)
        throw new Error(`jobstream serve exited during start-up (${child.exitCode ?? child.signalCode}):\n${this.logTail()}`)
      const live = await fetch(`${this.url}/livez`, { signal: AbortSignal.timeout(2000) }).then(
        (r) => r.status === 200,
        () => false
      )
      if (live) return Date.now() - started
      await new Promise((r) => setTimeout(r, 250))
    }
    throw new Error(`jobstream serve did not answer /livez within ${timeoutMs / 1000} s:\n${this.logTail()}`)
  }

  /** Sends `signal` and waits for the exit; SIGKILL after 20 s if the process is still there. */
  async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    const child = this.child
    if (!child || !this.running) return
    this.killing = true
    child.kill(signal)
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000)
    await exited(child)
    clearTimeout(timer)
  }

  /** The pid of the processors process the app supervises, if it has one now. */
  processorsPid(): number | undefined {
    const pid = this.child?.pid
    if (pid === undefined || !this.running) return undefined
    try {
      return readdirSync(`/proc/${pid}/task`)
        .flatMap((task) => readFileSync(`/proc/${pid}/task/${task}/children`, "utf8").trim().split(/\s+/))
        .filter((c) => c !== "" && readFileSync(`/proc/${c}/cmdline`, "utf8").includes(`${cli}\0process`))
        .map(Number)[0]
    } catch {
      return undefined
    }
  }

  /**
   * Waits until the app has replaced the processors process `killed` and `/healthz` says the new one is running;
   * returns how long that took (ms).
   */
  async processorsReplaced(killed: number, timeoutMs = 180_000): Promise<number> {
    const started = Date.now()
    while (Date.now() - started < timeoutMs) {
      const pid = this.processorsPid()
      const health = await fetch(`${this.url}/healthz`, { signal: AbortSignal.timeout(3000) }).then(
        (r) => r.json() as Promise<{ stages?: Record<string, { state: string }> }>,
        () => undefined
      )
      if (pid !== undefined && pid !== killed && health?.stages?.processors?.state === "running") return Date.now() - started
      await new Promise((r) => setTimeout(r, 250))
    }
    throw new Error(`the app did not replace its processors process within ${timeoutMs / 1000} s:\n${this.logTail()}`)
  }

  /** Exits the suite did not ask for: a crash under a fault. */
  unexpectedExitsSince(at: number) {
    return this.exits.filter((e) => e.at >= at && !e.byTheSuite)
  }

  logTail(lines = 40) {
    try {
      return readFileSync(this.logPath, "utf8").split("\n").slice(-lines).join("\n")
    } catch {
      return "(no log)"
    }
  }
}
