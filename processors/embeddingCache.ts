import { Effect, Layer } from "effect"
import { EmbeddingCache, makeMemoryCache } from "./Embedder.js"
import { Postgres } from "../stack/Postgres.js"

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
            .query<{ key: string; vector: Array<number> }>("SELECT key, vector FROM embeddings WHERE key = ANY($1::text[])", [
              missing
            ])
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
