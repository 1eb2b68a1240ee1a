import { existsSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { Effect, Option, Schema } from "effect"

/**
 * A local model folder as `bash stack/model.sh` provisions it and transformers.js reads it: the files it must
 * hold, the command that provisions it, and the pooling it names.
 */

export type Pooling = "cls" | "mean"

/** What transformers.js needs in a local model folder; empty when it is all there. */
export const missingModelFiles = (dir: string): Array<string> =>
  ["config.json", "tokenizer.json", "tokenizer_config.json", "onnx"].filter((f) => !existsSync(join(dir, f)))

export const provisionCommand = (model: string) =>
  /minilm/i.test(model) ? "bash stack/model.sh all-MiniLM-L6-v2" : "bash stack/model.sh"

const PoolingFile = Schema.parseJson(
  Schema.Struct({
    pooling_mode_cls_token: Schema.optional(Schema.Boolean),
    pooling_mode_mean_tokens: Schema.optional(Schema.Boolean)
  })
)

/** The pooling that sentence-transformers' `1_Pooling/config.json` names, if the folder has one. */
export const poolingOfFolder = (dir: string): Effect.Effect<Pooling | undefined> =>
  Effect.sync(() => {
    const file = join(dir, "1_Pooling", "config.json")
    if (!existsSync(file)) return undefined
    const decoded = Schema.decodeUnknownOption(PoolingFile)(readFileSync(file, "utf8"))
    if (Option.isNone(decoded)) return undefined
    if (decoded.value.pooling_mode_cls_token) return "cls"
    if (decoded.value.pooling_mode_mean_tokens) return "mean"
    return undefined
  })
