import { createHash } from "node:crypto"
import { join, resolve } from "node:path"
import {
  AutoModel,
  AutoTokenizer,
  env,
  Tensor,
  type PreTrainedTokenizer
} from "@huggingface/transformers"
import { Config, Context, Data, Effect, Layer, Option } from "effect"
import { missingModelFiles, type Pooling, poolingOfFolder, provisionCommand } from "./embedderModelFolder.js"
import { batches, windows } from "./embedderWindows.js"
import { EmbeddingCache, memoryCacheLayer } from "./embeddingCache.js"

/**
 * Local text embeddings with transformers.js on the CPU: no hosted API, no network by default.
 *
 * The default model is bge-small-en-v1.5 (int8), provisioned from Maven Central by `bash stack/model.sh` into
 * `.jobstream/models/Xenova/bge-small-en-v1.5`. What is guaranteed:
 * - every vector has `dimensions` entries and unit L2 norm, so cosine similarity is a dot product;
 * - a text longer than the model's window is split into overlapping windows whose vectors are averaged
 *   (weighted by their token counts) and normalized again, so no part of a long posting is dropped;
 * - within one process a text is sent to the model at most once while it stays in the cache, even when
 *   concurrent calls ask for it (model runs are serialized: on a small machine they would only compete).
 */

/**
 * A failure of the embedder. `load` happens at startup (a missing or broken model: stop and fix the setup);
 * `embed` is a failure of the tokenizer or of ONNX Runtime on given texts (the same input fails again: send the
 * message to the dead-letter topic rather than retry).
 */
export class EmbedderError extends Data.TaggedError("EmbedderError")<{
  readonly operation: "load" | "embed"
  readonly model: string
  readonly cause: unknown
}> {
  override get message() {
    const reason = this.cause instanceof Error ? this.cause.message : String(this.cause)
    return `Embedder ${this.operation} (${this.model}) failed: ${reason}`
  }
}

export interface EmbedderStats {
  /** Texts asked for, duplicates included. */
  readonly texts: number
  /** Distinct texts answered from the cache. */
  readonly cacheHits: number
  /** Model windows run (a long text is several). */
  readonly sequences: number
  /** ONNX Runtime calls, one per batch of windows. */
  readonly modelCalls: number
}

export class Embedder extends Context.Tag("jobstream/Embedder")<
  Embedder,
  {
    /** One unit-length vector per text, in order. */
    readonly embed: (texts: ReadonlyArray<string>) => Effect.Effect<ReadonlyArray<Float32Array>, EmbedderError>
    /**
     * The key the text's vector is cached under (sha256 of the model spec and the text): a process that embeds a
     * seeker's resume records it, so that erasing the seeker can delete the vector (pipelines/SeekerData.ts).
     */
    readonly cacheKey: (text: string) => string
    readonly dimensions: number
    /** The model's name as configured (a folder under the models directory, or a hub id). */
    readonly model: string
    readonly pooling: Pooling
    /** Tokens per model window, special tokens included. */
    readonly maxTokens: number
    readonly stats: Effect.Effect<EmbedderStats>
  }
>() {}

export interface EmbedderSettings {
  /** A folder under `modelsDir` (`Xenova/bge-small-en-v1.5`), or with `allowRemote` any hub model id. */
  readonly model: string
  readonly modelsDir: string
  /** Let transformers.js download a model that is not in `modelsDir` (into `modelsDir`). */
  readonly allowRemote: boolean
  /** `undefined`: the model folder's `1_Pooling/config.json`, else CLS for bge models and mean for others. */
  readonly pooling: Pooling | undefined
  /** At most this many windows per ONNX Runtime call... */
  readonly batchSize: number
  /** ...and at most this many tokens, padding included: long windows gain nothing from being batched. */
  readonly batchTokens: number
  /** Tokens that consecutive windows of a long text share, so no sentence is only ever seen cut in two. */
  readonly chunkOverlap: number
  readonly cacheEntries: number
}

export const defaultModel = "Xenova/bge-small-en-v1.5"

/** Needs an `EmbeddingCache`; `layer` provides the in-process one. */
export const make = (settings: EmbedderSettings) =>
  Effect.gen(function* () {
    const cache = yield* EmbeddingCache
    const name = settings.model
    const modelsDir = resolve(settings.modelsDir)
    const fail = (operation: "load" | "embed") => (cause: unknown) =>
      new EmbedderError({ operation, model: name, cause })

    const localDir = join(modelsDir, name)
    if (!settings.allowRemote) {
      const missing = missingModelFiles(localDir)
      if (missing.length > 0) {
        return yield* new EmbedderError({
          operation: "load",
          model: name,
          cause: new Error(
            `the model is not provisioned: ${localDir} lacks ${missing.join(", ")}. ` +
              `Run \`${provisionCommand(name)}\` (it fetches the model from Maven Central), or set ` +
              `JOBSTREAM_EMBEDDING_ALLOW_REMOTE=true to let transformers.js download it from the Hugging Face hub.`
          )
        })
      }
    }

    // transformers.js keeps these in one global: one models directory per process.
    env.allowRemoteModels = settings.allowRemote
    env.localModelPath = modelsDir
    const options = { cache_dir: modelsDir, local_files_only: !settings.allowRemote }

    const tokenizer = yield* Effect.tryPromise({
      try: () => AutoTokenizer.from_pretrained(name, options),
      catch: fail("load")
    })
    const model = yield* Effect.acquireRelease(
      Effect.tryPromise({ try: () => AutoModel.from_pretrained(name, options), catch: fail("load") }),
      (m) => Effect.ignore(Effect.tryPromise(() => m.dispose()))
    )

    const pooling = settings.pooling ?? (yield* poolingOfFolder(localDir)) ?? (/bge/i.test(name) ? "cls" : "mean")
    const frame = yield* Effect.try({ try: () => specialTokens(tokenizer), catch: fail("load") })
    // The tokenizer's limit, bounded by the position table (a hub tokenizer may say Infinity).
    const { max_position_embeddings: positions } = model.config as { max_position_embeddings?: unknown }
    const maxTokens = Math.min(
      Number.isFinite(tokenizer.model_max_length) ? tokenizer.model_max_length : 512,
      typeof positions === "number" ? positions : 512
    )
    const window = maxTokens - frame.prefix.length - frame.suffix.length
    if (settings.chunkOverlap < 0 || settings.chunkOverlap >= window / 2) {
      return yield* new EmbedderError({
        operation: "load",
        model: name,
        cause: new Error(`chunk overlap ${settings.chunkOverlap} must be in [0, ${Math.floor(window / 2)}) tokens`)
      })
    }
    const spec = `${name}|${pooling}|${maxTokens}|${settings.chunkOverlap}`
    const keyOf = (text: string) => createHash("sha256").update(spec).update("\u0000").update(text).digest("hex")

    const counts = { texts: 0, cacheHits: 0, sequences: 0, modelCalls: 0 }
    const permit = yield* Effect.makeSemaphore(1)

    /** The windows of `texts`, each framed by the special tokens, with the index of its text and its weight. */
    const plan = (texts: ReadonlyArray<string>) =>
      Effect.try({
        try: () =>
          texts.flatMap((text, owner) =>
            windows(tokenizer.encode(text, { add_special_tokens: false }), window, settings.chunkOverlap).map(
              (ids) => ({ owner, weight: Math.max(1, ids.length), ids: [...frame.prefix, ...ids, ...frame.suffix] })
            )
          ),
        catch: fail("embed")
      })

    /** Embeds windows `batch` (indexes into `seqs`) in one ONNX Runtime call, pooled and normalized. */
    const runBatch = (seqs: ReadonlyArray<{ readonly ids: ReadonlyArray<number> }>, batch: ReadonlyArray<number>) =>
      Effect.tryPromise({
        try: async () => {
          const rows = batch.map((i) => seqs[i]!.ids)
          const width = Math.max(...rows.map((r) => r.length))
          const ids = new BigInt64Array(rows.length * width).fill(BigInt(tokenizer.pad_token_id ?? 0))
          const mask = new BigInt64Array(rows.length * width)
          rows.forEach((row, r) =>
            row.forEach((id, t) => {
              ids[r * width + t] = BigInt(id)
              mask[r * width + t] = 1n
            })
          )
          const dims = [rows.length, width]
          const { last_hidden_state: states } = (await model.forward({
            input_ids: new Tensor("int64", ids, dims),
            attention_mask: new Tensor("int64", mask, dims),
            token_type_ids: new Tensor("int64", new BigInt64Array(rows.length * width), dims)
          })) as { last_hidden_state: Tensor }
          const hidden = states.dims[2]!
          return rows.map((row, r) => pool(states.data as Float32Array, r, width, hidden, row.length, pooling))
        },
        catch: fail("embed")
      }).pipe(
        Effect.tap(() =>
          Effect.sync(() => {
            counts.modelCalls += 1
            counts.sequences += batch.length
          })
        )
      )

    /** Runs the model over `texts` (one window at least each), then averages each text's windows. */
    const compute = (texts: ReadonlyArray<string>) =>
      Effect.gen(function* () {
        const seqs = yield* plan(texts)
        const pooled = new Array<Float32Array>(seqs.length)
        for (const batch of batches(seqs.map((s) => s.ids.length), settings.batchSize, settings.batchTokens)) {
          const vectors = yield* runBatch(seqs, batch)
          batch.forEach((s, j) => (pooled[s] = vectors[j]!))
          // ONNX Runtime computes on the calling thread, which the API shares, and its promise settles without
          // letting I/O in: without this turn of the event loop a job batch held it for 0.6-1.0 s at a stretch,
          // with it for one model call (at most ~512 tokens, ~0.1 s).
          yield* nextTurn
        }
        const sums = texts.map(() => new Float32Array(pooled[0]!.length))
        seqs.forEach((s, i) => {
          const sum = sums[s.owner]!
          const v = pooled[i]!
          for (let d = 0; d < sum.length; d++) sum[d]! += v[d]! * s.weight
        })
        return sums.map(normalize)
      })

    const lookup = (keys: ReadonlyArray<string>, found: Map<string, Float32Array>) =>
      cache.getMany(keys).pipe(
        Effect.map((vectors) =>
          vectors.forEach((v, i) => {
            if (v === undefined) return
            found.set(keys[i]!, v)
            counts.cacheHits += 1
          })
        )
      )

    const embed = (texts: ReadonlyArray<string>) =>
      Effect.gen(function* () {
        counts.texts += texts.length
        const keys = texts.map(keyOf)
        const found = new Map<string, Float32Array>()
        const distinct = new Map(keys.map((k, i) => [k, texts[i]!] as const))
        yield* lookup([...distinct.keys()], found)
        if (found.size < distinct.size) {
          yield* permit.withPermits(1)(
            Effect.gen(function* () {
              // Another call may have embedded some of these while this one waited for the model.
              yield* lookup([...distinct.keys()].filter((k) => !found.has(k)), found)
              const todo = [...distinct].filter(([k]) => !found.has(k))
              if (todo.length === 0) return
              const vectors = yield* compute(todo.map(([, text]) => text))
              const entries = todo.map(([k], i) => [k, vectors[i]!] as const)
              entries.forEach(([k, v]) => found.set(k, v))
              yield* cache.setMany(entries)
            })
          )
        }
        // Copies: a caller that writes into its vector must not change the cached one.
        return keys.map((k) => found.get(k)!.slice())
      }).pipe(Effect.withSpan("Embedder.embed", { attributes: { texts: texts.length, model: name } }))

    // One window through the model: ONNX Runtime's first run is slow, and it tells the vector's width.
    const probe = yield* compute(["warm-up"]).pipe(Effect.mapError((e) => fail("load")(e.cause)))
    counts.modelCalls = 0
    counts.sequences = 0
    yield* Effect.logDebug(`embedder ready: ${name}, ${pooling} pooling, ${maxTokens} tokens, ${probe[0]!.length} dims`)

    return Embedder.of({
      embed,
      cacheKey: keyOf,
      dimensions: probe[0]!.length,
      model: name,
      pooling,
      maxTokens,
      stats: Effect.sync(() => ({ ...counts }))
    })
  }).pipe(Effect.annotateLogs("component", "Embedder"))

/** The embedder over a cache of your own (a PostgreSQL-backed one, say). */
export const layerWithCache = (settings: EmbedderSettings) => Layer.scoped(Embedder, make(settings))

export const layer = (settings: EmbedderSettings) =>
  layerWithCache(settings).pipe(Layer.provide(memoryCacheLayer(settings.cacheEntries)))

const repoRoot = join(import.meta.dirname, "..")

export const settingsConfig: Config.Config<EmbedderSettings> = Config.all({
  model: Config.string("JOBSTREAM_EMBEDDING_MODEL").pipe(Config.withDefault(defaultModel)),
  modelsDir: Config.string("JOBSTREAM_MODELS_DIR").pipe(
    Config.orElse(() =>
      Config.string("JOBSTREAM_HOME").pipe(
        Config.withDefault(join(repoRoot, ".jobstream")),
        Config.map((home) => join(home, "models"))
      )
    )
  ),
  allowRemote: Config.boolean("JOBSTREAM_EMBEDDING_ALLOW_REMOTE").pipe(Config.withDefault(false)),
  pooling: Config.literal("cls", "mean")("JOBSTREAM_EMBEDDING_POOLING").pipe(
    Config.option,
    Config.map(Option.getOrUndefined)
  ),
  // Measured on 2 cores (bge-small int8): a ~480-token job description costs ~90 ms of CPU alone and 10-20% more
  // in a batch of 8-32; 27-token texts cost 4.7 ms alone and 3.5 ms in batches of 8 or more. 32 windows within
  // 512 tokens gets both: long windows run alone, short ones together.
  batchSize: Config.integer("JOBSTREAM_EMBEDDING_BATCH_SIZE").pipe(Config.withDefault(32)),
  batchTokens: Config.integer("JOBSTREAM_EMBEDDING_BATCH_TOKENS").pipe(Config.withDefault(512)),
  chunkOverlap: Config.integer("JOBSTREAM_EMBEDDING_CHUNK_OVERLAP").pipe(Config.withDefault(64)),
  cacheEntries: Config.integer("JOBSTREAM_EMBEDDING_CACHE_ENTRIES").pipe(Config.withDefault(20_000))
})

export const layerConfig = Layer.unwrapEffect(Effect.map(settingsConfig, layer))

// --- helpers ----------------------------------------------------------------------------------------------------

/** The ids the tokenizer puts before and after a text ([CLS] and [SEP] for BERT), found by encoding a probe. */
const specialTokens = (tokenizer: PreTrainedTokenizer) => {
  const bare = tokenizer.encode("embedding", { add_special_tokens: false })
  const framed = tokenizer.encode("embedding", { add_special_tokens: true })
  const at = framed.findIndex((_, i) => bare.every((id, j) => framed[i + j] === id))
  if (bare.length === 0 || at < 0) throw new Error("cannot tell the tokenizer's special tokens from the text")
  return { prefix: framed.slice(0, at), suffix: framed.slice(at + bare.length) }
}

/** Resumes after the event loop has handled pending I/O (setImmediate runs after the poll phase). */
const nextTurn = Effect.async<void>((resume) => {
  const handle = setImmediate(() => resume(Effect.void))
  return Effect.sync(() => clearImmediate(handle))
})

/** Row `r` of a [batch, width, hidden] tensor pooled over its first `length` (unpadded) tokens, normalized. */
const pool = (data: Float32Array, r: number, width: number, hidden: number, length: number, pooling: Pooling) => {
  const base = r * width * hidden
  if (pooling === "cls") return normalize(data.slice(base, base + hidden))
  const sum = new Float32Array(hidden)
  for (let t = 0; t < length; t++) {
    const offset = base + t * hidden
    for (let d = 0; d < hidden; d++) sum[d]! += data[offset + d]!
  }
  return normalize(sum)
}

const normalize = (v: Float32Array) => {
  let norm = 0
  for (let d = 0; d < v.length; d++) norm += v[d]! * v[d]!
  norm = Math.sqrt(norm) || 1
  for (let d = 0; d < v.length; d++) v[d]! /= norm
  return v
}
