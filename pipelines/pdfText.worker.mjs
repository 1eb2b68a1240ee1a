// Reads one PDF's text layer in a worker thread (see pdfText.ts). Plain JavaScript, so tsx, node and vitest all
// run it as it is. It answers with exactly one message; anything worse (out of memory, killed) the parent sees
// as the worker's error or exit.
import { readlinkSync } from "node:fs"
import { setPriority } from "node:os"
import { parentPort, workerData } from "node:worker_threads"

// Below the API's own thread for the CPU: on a busy machine the event loop runs first and documents wait. Linux
// names this thread's id in /proc/thread-self and lets it be reniced alone; elsewhere the default priority stays.
try {
  setPriority(Number(readlinkSync("/proc/thread-self").split("/").pop()), 10)
} catch {
  // not Linux, or not allowed: a slower API under load, nothing worse
}
// Loaded only now, so that loading the reader (a few hundred milliseconds of CPU) already runs reniced.
const { extractText, getDocumentProxy } = await import("unpdf")

const { bytes, maxPages } = workerData

try {
  // Errors only: pdf.js's warnings about a damaged file would otherwise reach the API's stdout.
  const pdf = await getDocumentProxy(bytes, { verbosity: 0 })
  // The page count comes from the page tree, before any page is parsed: an oversized document costs nothing.
  if (pdf.numPages > maxPages) parentPort.postMessage({ kind: "tooManyPages", pages: pdf.numPages })
  else parentPort.postMessage({ kind: "text", text: (await extractText(pdf, { mergePages: true })).text })
} catch (error) {
  parentPort.postMessage({
    kind: "unreadable",
    name: error instanceof Error ? error.name : typeof error,
    detail: error instanceof Error ? error.message : String(error)
  })
}
