import { readFileSync } from "node:fs"

// What the process table says of a local service's process, for the tests that kill the stack's servers.

/** The process's command line, its arguments joined by spaces; "" once it is gone. */
export const commandLine = (pid: number): string => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ")
  } catch {
    return ""
  }
}

/** Running and not a zombie (a killed server whose parent has not reaped it yet holds no socket). */
export const alive = (pid: number): boolean => {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"))
  } catch {
    return false
  }
}
