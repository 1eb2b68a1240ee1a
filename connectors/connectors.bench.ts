import { Effect, Layer, ManagedRuntime } from "effect"
import * as Politeness from "./Politeness.js"
import * as Publisher from "./Publisher.js"
import { prepare } from "../stack/clients.js"
import { dropNamespace, resetStores, stackTestConfig } from "../stack/testing.js"
import { crawlApi } from "./ApiCrawler.js"
import { fixture } from "./demo-site/catalog.js"
import { sourceApis } from "./registry.js"
import type { BoardRow } from "./replay/boards.js"
import { replayAnswer, replayBoard, replayTypes, startReplayServer, type ReplayType } from "./replay/server.js"
import type { BenchRow } from "../stack/benchTable.js"
import type { ApiRequest } from "./SourceApi.js"

/**
 * Connector throughput, `npm run bench`:
 * 1. Parsing: every API type's whole crawl of a 3,000-posting board (the fixture's 60 real postings 50 times
 *    under other ids), bodies answered in memory by the replay routes, against JSON.parse of the same bodies (the
 *    least any reader of a JSON API does). Searches stop where their APIs' page caps stop them.
 * 2. Crawling: the Greenhouse crawler over HTTP into Kafka and PostgreSQL through the real Publisher, a first run
 *    (every posting new) and a second (the board answers 304: every posting confirmed unchanged).
 */
export const benchConnectors = async (size = 3000): Promise<Array<BenchRow>> => {
  const base = fixture()
  const rows: Array<BoardRow> = Array.from({ length: size }, (_, i) => ({
    ...base[i % base.length]!,
    sourceRow: base[i % base.length]!.sourceRow + 1000 * Math.floor(i / base.length)
  }))
  const line = (label: string, value: string) => console.log(`  ${label.padEnd(62)} ${value}`)

  console.log(`Connectors: parsing a ${size.toLocaleString("en")}-posting board, in memory`)
  const rowsOut: Array<BenchRow> = []
  for (const type of replayTypes) {
    const { bodies, requests } = crawlInMemory(type, rows)
    const api = sourceApis.get(type)!
    const board = boardOf(type, "http://replay.invalid")
    const start = performance.now()
    let postings = 0
    bodies.forEach((body, i) => void (postings += api.parse(body, requests[i]!, board).postings.length))
    const parseMs = performance.now() - start
    const json = bodies[0]!.trimStart().startsWith("<")
      ? undefined
      : (() => {
          const t = performance.now()
          for (const body of bodies) JSON.parse(body)
          return performance.now() - t
        })()
    line(
      `${type}: ${postings} postings in ${bodies.length} bodies, postings/s`,
      `${Math.round(postings / (parseMs / 1000)).toLocaleString("en")}` +
        (json === undefined ? "  (RSS: no JSON baseline)" : `  (${(parseMs / json).toFixed(1)}x JSON.parse)`)
    )
    if (json !== undefined)
      rowsOut.push({
        id: `C ${type}`,
        what: `${type} parser, ${postings} postings in ${bodies.length} bodies`,
        value: `${(parseMs / bodies.length).toFixed(2)} ms/body`,
        baseline: `${(json / bodies.length).toFixed(2)} ms/body JSON.parse`,
        ratio: json / parseMs,
        goal: "reported",
        met: null,
        figures: { postings, bodies: bodies.length, parseMs, jsonMs: json }
      })
  }

  console.log(`Connectors: crawling a ${size.toLocaleString("en")}-posting Greenhouse board over HTTP, real Publisher`)
  const replay = await startReplayServer()
  replay.setRows("greenhouse", rows)
  const runtime = ManagedRuntime.make(Layer.provideMerge(Layer.mergeAll(Publisher.layer, Politeness.layer), stackTestConfig().layer))
  try {
    await runtime.runPromise(Effect.andThen(resetStores, prepare))
    const crawl = () =>
      runtime.runPromise(
        crawlApi({
          api: sourceApis.get("greenhouse")!,
          board: boardOf("greenhouse", replay.url),
          rate: { perMinute: 60_000 }
        })
      )
    const first = await crawl()
    const second = await crawl()
    line("first crawl (every posting new: Kafka + PostgreSQL), postings/s", `${Math.round(first.postings / first.seconds)}`)
    line("second crawl (304 Not Modified, postings confirmed), postings/s", `${Math.round(second.postings / second.seconds)}`)
    line("ratio second / first", (first.seconds / second.seconds).toFixed(1))
    rowsOut.push({
      id: "C crawl",
      what: `re-crawl of a ${size.toLocaleString("en")}-posting Greenhouse board (304s) against its first crawl, over HTTP`,
      value: `${Math.round(second.postings / second.seconds)} postings/s`,
      baseline: `${Math.round(first.postings / first.seconds)} postings/s first crawl`,
      ratio: first.seconds / second.seconds,
      goal: "reported",
      met: null,
      figures: { first: first.postings / first.seconds, second: second.postings / second.seconds }
    })
    return rowsOut
  } finally {
    await replay.close()
    await runtime.runPromise(dropNamespace)
    await runtime.dispose()
  }
}

const boardOf = (type: ReplayType, host: string) => replayBoard(type, host, `bench-${type}`)

/** Every body a crawl of `type` reads, answered by the replay routes without HTTP, and the request of each. */
const crawlInMemory = (type: ReplayType, rows: ReadonlyArray<BoardRow>) => {
  const api = sourceApis.get(type)!
  const board = boardOf(type, "http://replay.invalid")
  const queue: Array<ApiRequest> = [...api.start(board)]
  const bodies: Array<string> = []
  const requests: Array<ApiRequest> = []
  for (let request = queue.shift(); request !== undefined; request = queue.shift()) {
    const url = new URL(request.url)
    const headers = Object.fromEntries(Object.entries(request.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]))
    const answer = replayAnswer(new URL(`${url.pathname.replace(/^\/?/, "/")}${url.search}`, url), headers, () => rows)
    if (answer === undefined || answer.status !== 200) throw new Error(`bench: ${request.url} answered ${answer?.status}`)
    bodies.push(answer.body)
    requests.push(request)
    queue.push(...api.parse(answer.body, request, board).next)
  }
  return { bodies, requests }
}
