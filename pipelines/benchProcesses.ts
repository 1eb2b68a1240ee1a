import { readFileSync } from "node:fs"
import { join } from "node:path"
import type { BenchRow } from "../stack/benchTable.js"

/**
 * What a bench section reads of the processes it runs on: resident memory and CPU time, from Linux's /proc. The
 * local stack's servers are found through the pid files stack/stack.sh keeps.
 */

const stateDir = () => process.env.JOBSTREAM_HOME ?? join(import.meta.dirname, "..", ".jobstream")

/** The local stack's server pids, by service (missing when a pid file is). */
export const stackPids = (): Record<string, number> => {
  const out: Record<string, number> = {}
  for (const service of ["kafka", "postgres", "clickhouse"]) {
    try {
      out[service] = Number(readFileSync(join(stateDir(), "run", `${service}.pid`), "utf8").trim())
    } catch {
      // not running, or another stack: the row simply lacks it
    }
  }
  return out
}

const stat = (pid: number): ReadonlyArray<string> | null => {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8")
    // The command name may hold spaces and parentheses: fields start after the last ")".
    return text.slice(text.lastIndexOf(")") + 2).split(" ")
  } catch {
    return null
  }
}

const ticksPerSecond = 100

const childrenOf = (pid: number): Array<number> => {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number)
  } catch {
    return []
  }
}

/**
 * CPU seconds a process has used, with its children: its own user+system time, what its reaped children used
 * (PostgreSQL's finished backends), and its live children's (the backends still connected).
 */
export const cpuSeconds = (pid: number): number => {
  const fields = stat(pid)
  if (fields === null) return 0
  // After the ")": state is field 0, utime 11, stime 12, cutime 13, cstime 14.
  let ticks = Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])
  for (const child of childrenOf(pid)) {
    const c = stat(child)
    if (c) ticks += Number(c[11]) + Number(c[12])
  }
  return ticks / ticksPerSecond
}

/** Resident memory in MiB of each process (with its live children), by name. */
export const rssOf = (pids: Readonly<Record<string, number>>): Record<string, number> => {
  const rss = (pid: number) => {
    try {
      return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0)
    } catch {
      return 0
    }
  }
  const out: Record<string, number> = {}
  for (const [name, pid] of Object.entries(pids)) {
    const kb = rss(pid) + childrenOf(pid).reduce((sum, c) => sum + rss(c), 0)
    if (kb > 0) out[name] = Math.round(kb / 1024)
  }
  return out
}

/** A row that reports the resident memory of processes (`rssOf`), in MiB. */
export const memoryRow = (id: string, what: string, rss: Readonly<Record<string, number>>): BenchRow => ({
  id,
  what: `${what}, RSS MiB`,
  value: Object.entries(rss).map(([name, mib]) => `${name} ${mib}`).join(", "),
  baseline: "-",
  ratio: null,
  goal: "reported",
  met: null,
  figures: rss
})
