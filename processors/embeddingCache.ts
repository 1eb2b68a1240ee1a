import { Context, Effect, Layer, Schema } from "effect"
import { Postgres } from "../stack/Postgres.js"

/**
 * Where vectors are remembered, keyed by sha256 of the model spec and the text. The in-process LRU below is the
 * default; a PostgreSQL-backed one can share vectors between processes and restarts. A cache saves work and
 * decides nothing: one that cannot answer should answer with misses (and log), hence no error channel.
 */
export class EmbeddingCache extends Context.Tag("jobstream/EmbeddingCache")<
  EmbeddingCache,
  {
    /** The vector stored under each key, in order; `undefined` where there is none. */
    readonly getMany: (keys: ReadonlyArray<string>) => Effect.Effect<ReadonlyArray<Float32Array | undefined>>
    readonly setMany: (entries: ReadonlyArray<readonly [key: string, vector: Float32Array]>) => Effect.Effect<void>
  }
>() {}

/** An in-process least-recently-used cache of at most `capacity` vectors (384 floats are 1.5 KiB each). */
export const makeMemoryCache = (capacity: number) =>
  Effect.sync(() => {
    // A Map iterates in insertion order: re-inserting on a hit makes the first key the least recently used.
    const entries = new Map<string, Float32Array>()
    return EmbeddingCache.of({
      getMany: (keys) =>
        Effect.sync(() =>
          keys.map((key) => {
            const vector = entries.get(key)
            if (vector !== undefined) {
              entries.delete(key)
              entries.set(key, vector)
            }
            return vector
          })
        ),
      setMany: (batch) =>
        Effect.sync(() => {
          if (capacity <= 0) return
          for (const [key, vector] of batch) {
            entries.delete(key)
            entries.set(key, vector)
            if (entries.size > capacity) entries.delete(entries.keys().next().value!)
          }
        })
    })
  })

export const memoryCacheLayer = (capacity: number) => Layer.effect(EmbeddingCache, makeMemoryCache(capacity))

/**
 * Vectors remembered in PostgreSQL behind an in-process LRU: shared by every process and kept across restarts,
 * so a re-score after a restart embeds nothing again. A database failure reads as misses (the embedder then
 * computes the vectors): the cache saves work and decides nothing.
 */
export const make = (memoryEntries: number) =>
  Effect.gen(function* () {
    const db = yield* Postgres
    const memory = yield* makeMemoryCache(memoryEntries)
    return EmbeddingCache.of({
      getMany: (keys) =>
        Effect.gen(function* () {
          const near = yield* memory.getMany(keys)
          const missing = keys.filter((_, i) => near[i] === undefined)
          if (missing.length === 0) return near
          const rows = yield* db
            .rows(Stored, "SELECT key, vector FROM embeddings WHERE key = ANY($1::text[])", [missing])
            .pipe(
              Effect.tapError((e) => Effect.logWarning("embedding cache unavailable; computing instead", e)),
              Effect.orElseSucceed(() => [])
            )
          const far = new Map(rows.map((r) => [r.key, Float32Array.from(r.vector)]))
          yield* memory.setMany([...far])
          return keys.map((key, i) => near[i] ?? far.get(key))
        }),
      setMany: (entries) =>
        Effect.gen(function* () {
          yield* memory.setMany(entries)
          if (entries.length === 0) return
          yield* db
            .query(
              `INSERT INTO embeddings (key, vector)
               SELECT key, vector FROM jsonb_populate_recordset(NULL::embeddings, $1::jsonb)
               ON CONFLICT (key) DO NOTHING`,
              [JSON.stringify(entries.map(([key, vector]) => ({ key, vector: Array.from(vector) })))]
            )
            .pipe(
              Effect.tapError((e) => Effect.logWarning("could not store embeddings", e)),
              Effect.ignore
            )
        })
    })
  })

export const layer = (memoryEntries = 20_000) => Layer.effect(EmbeddingCache, make(memoryEntries))

/**
 * A `real[]`, which pg reads as an array of numbers. Checked in one pass rather than by `Schema.Array(Schema.Number)`,
 * which takes 15 times as long as the conversion to a Float32Array (65 ms for 2,000 vectors of 384): a re-score
 * reads thousands of them.
 */
const Vector = Schema.declare(
  (u: unknown): u is ReadonlyArray<number> => Array.isArray(u) && u.every((x) => typeof x === "number"),
  { identifier: "real[]" }
)

const Stored = Schema.Struct({ key: Schema.String, vector: Vector })
