import type { FastifyInstance } from "fastify"
import { DateDay, Float64, Int64, Table, tableToIPC, TimestampMillisecond, Utf8, vectorFromArray } from "apache-arrow"
import { Data, Effect, JSONSchema, Schema } from "effect"
import type { ClickHouse } from "../stack/ClickHouse.js"
import {
  catalogue,
  isKpiName,
  KpiAnswer,
  KpiCatalogue,
  KpiFilters,
  KpiQuery,
  withDefaults,
  type ColumnType,
  type KpiColumn,
  type KpiRow
} from "../sinks/kpiCatalogue.js"
import { runKpi } from "../sinks/kpis.js"
import { opsReader } from "./apiKeys.js"
import { decodeOr400 } from "./httpErrors.js"
import type { Staff } from "./Staff.js"

/** The Arrow IPC stream format's media type: what notebooks and BI tools ask for. */
export const arrowStream = "application/vnd.apache.arrow.stream"

/** A KPI name the catalogue does not have (404). */
export class KpiNotFound extends Data.TaggedError("KpiNotFound")<{ readonly message: string }> {
  /** The API's error handler falls back to `statusCode` for tags it has no status for. */
  get statusCode() {
    return 404
  }
}

const NameParams = Schema.Struct({ name: Schema.String.pipe(Schema.maxLength(100)) })

type Run = <A, E>(effect: Effect.Effect<A, E, ClickHouse | Staff>) => Promise<A>

/**
 * The KPI API: `GET /kpis` lists the catalogue; `GET /kpis/:name?from=&to=&source=` answers one KPI as JSON
 * `{ kpi, columns, rows }`, or as an Arrow IPC stream of the same columns when the request accepts
 * `application/vnd.apache.arrow.stream`. Filters are validated before any SQL is built (400 naming the field).
 * Both are for the ops team: they need a staff key, ops or reviewer (401 without one).
 */
export const kpiRoutes = (app: FastifyInstance, run: Run) => {
  const config = { access: opsReader }
  app.get("/kpis", { config, schema: { response: { 200: JSONSchema.make(KpiCatalogue) } } }, async () => ({ kpis: catalogue }))

  app.get(
    "/kpis/:name",
    {
      config,
      schema: {
        params: JSONSchema.make(NameParams),
        querystring: JSONSchema.make(Schema.encodedSchema(KpiQuery)),
        response: { 200: JSONSchema.make(KpiAnswer) }
      }
    },
    async (request, reply) => {
      const answer = await run(answerKpi(request.params, request.query))
      if (!accepts(request.headers.accept, arrowStream)) return answer
      return reply.header("content-type", arrowStream).send(Buffer.from(toArrowStream(answer.columns, answer.rows)))
    }
  )
}

/** One KPI for the request's path and query string; an unknown name is a 404 whatever the filters. */
export const answerKpi = (params: unknown, query: unknown) =>
  Effect.gen(function* () {
    const { name } = yield* decodeOr400(NameParams, params)
    if (!isKpiName(name)) return yield* new KpiNotFound({ message: `no KPI named "${name}"; GET /kpis lists them` })
    const filters = yield* decodeOr400(KpiFilters, withDefaults(yield* decodeOr400(KpiQuery, query)))
    const columns = catalogue.find((k) => k.name === name)?.columns ?? []
    return { kpi: name, columns, rows: yield* runKpi(name, filters) } satisfies KpiAnswer
  })

/** The rows as an Arrow IPC stream: one column per catalogue column, typed as the catalogue says. */
export const toArrowStream = (columns: ReadonlyArray<KpiColumn>, rows: ReadonlyArray<KpiRow>): Uint8Array =>
  tableToIPC(
    new Table(Object.fromEntries(columns.map((c) => [c.name, arrowVector(c.type, rows.map((r) => r[c.name]))]))),
    "stream"
  )

const arrowVector = (type: ColumnType, values: ReadonlyArray<string | number | undefined>) => {
  switch (type) {
    case "integer":
      return vectorFromArray(values.map((v) => BigInt(Math.trunc(Number(v ?? 0)))), new Int64())
    case "number":
      return vectorFromArray(values.map((v) => Number(v ?? 0)), new Float64())
    case "timestamp":
      return vectorFromArray(values.map((v) => Date.parse(String(v))), new TimestampMillisecond("UTC"))
    case "date":
      return vectorFromArray(values.map((v) => new Date(`${String(v)}T00:00:00Z`)), new DateDay())
    case "string":
      return vectorFromArray(values.map((v) => String(v ?? "")), new Utf8())
  }
}

/** Whether an Accept header lists the media type (parameters and q-values aside). */
const accepts = (header: string | undefined, mediaType: string) =>
  (header ?? "").split(",").some((part) => part.split(";")[0]?.trim().toLowerCase() === mediaType)
