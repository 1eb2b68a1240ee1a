import { Worker } from "node:worker_threads"
import { join } from "node:path"
import { Config, Context, Data, Duration, Effect, Either, Exit, Fiber, Layer, Schema } from "effect"

/**
 * PDF text extraction kept away from the process it serves. Every document is read by a fresh worker thread
 * with its own heap cap, a wall-clock limit and a page cap checked before any page is parsed; at most
 * `concurrency` documents are read at once and the rest wait their turn for at most `queueTimeout`. However a
 * document ends its worker (out of memory, over time, a crash), the caller gets a typed error and the API's
 * event loop and heap never notice.
 */
export class PdfText extends Context.Tag("jobstream/PdfText")<
  PdfText,
  { readonly extract: (bytes: Uint8Array) => Effect.Effect<string, PdfTooManyPages | PdfUnreadable | PdfBusy> }
>() {}

/** A document with more pages than a resume needs (413): refused before its pages are read. */
export class PdfTooManyPages extends Data.TaggedError("PdfTooManyPages")<{ readonly pages: number; readonly maxPages: number }> {
  override get message() {
    return `the PDF has ${this.pages} pages; a resume may have at most ${this.maxPages}`
  }
}

/**
 * A document that could not be read within the limits (422): damaged, password-protected, or needing more
 * memory or time than one upload gets. The message is ours; what the reader said stays in `cause`, for the log.
 */
export class PdfUnreadable extends Data.TaggedError("PdfUnreadable")<{
  readonly reason: "damaged" | "encrypted" | "memory" | "time" | "crashed"
  readonly message: string
  readonly cause?: unknown
}> {}

/** Every reader busy for longer than an upload waits (503): nothing is wrong with the document; try again. */
export class PdfBusy extends Data.TaggedError("PdfBusy")<{ readonly waited: Duration.Duration }> {
  override get message() {
    return `every PDF reader stayed busy for ${Duration.format(this.waited)}; try the upload again in a minute`
  }
}

export interface PdfTextSettings {
  readonly maxPages: number
  /** Wall-clock limit per document, from its worker's start to its answer. */
  readonly timeLimit: Duration.Duration
  /** The worker's old-generation heap; its young generation gets an eighth of it. */
  readonly heapMb: number
  readonly concurrency: number
  readonly queueTimeout: Duration.Duration
}

export const settingsConfig: Config.Config<PdfTextSettings> = Config.all({
  maxPages: Config.integer("JOBSTREAM_PDF_MAX_PAGES").pipe(Config.withDefault(200)),
  timeLimit: Config.duration("JOBSTREAM_PDF_TIME_LIMIT").pipe(Config.withDefault(Duration.seconds(10))),
  heapMb: Config.integer("JOBSTREAM_PDF_HEAP_MB").pipe(Config.withDefault(256)),
  concurrency: Config.integer("JOBSTREAM_PDF_CONCURRENCY").pipe(Config.withDefault(2)),
  queueTimeout: Config.duration("JOBSTREAM_PDF_QUEUE_TIMEOUT").pipe(Config.withDefault(Duration.seconds(20)))
})

const workerPath = join(import.meta.dirname, "pdfText.worker.mjs")

/** The worker's one answer (pdfText.worker.mjs). */
const Answer = Schema.Union(
  Schema.Struct({ kind: Schema.Literal("text"), text: Schema.String }),
  Schema.Struct({ kind: Schema.Literal("tooManyPages"), pages: Schema.Number }),
  Schema.Struct({ kind: Schema.Literal("unreadable"), name: Schema.String, detail: Schema.String })
)

export const make = (settings: PdfTextSettings) =>
  Effect.gen(function* () {
    const readers = yield* Effect.makeSemaphore(settings.concurrency)

    /**
     * A reader for `use`, after waiting at most `queueTimeout` for one. A slot granted just as the wait ends is
     * used rather than lost, and one granted to a caller who has gone is given back.
     */
    const withReader = <A, E>(use: Effect.Effect<A, E>) =>
      Effect.uninterruptibleMask((restore) =>
        Effect.gen(function* () {
          const taking = yield* Effect.fork(Effect.interruptible(readers.take(1)))
          yield* restore(Effect.timeoutOption(Fiber.await(taking), settings.queueTimeout)).pipe(
            Effect.onInterrupt(() => Effect.flatMap(Fiber.interrupt(taking), (exit) => (Exit.isSuccess(exit) ? readers.release(1) : Effect.void)))
          )
          if (Exit.isFailure(yield* Fiber.interrupt(taking))) return yield* new PdfBusy({ waited: settings.queueTimeout })
          return yield* restore(use).pipe(Effect.ensuring(readers.release(1)))
        })
      )

    const read = (bytes: Uint8Array) =>
      Effect.async<string, PdfTooManyPages | PdfUnreadable>((resume) => {
        // The worker gets its own copy, moved rather than cloned, so the caller's buffer stays as it was.
        const copy = new Uint8Array(bytes)
        const worker = new Worker(workerPath, {
          workerData: { bytes: copy, maxPages: settings.maxPages },
          transferList: [copy.buffer],
          // No TypeScript loader or inspector flags from the parent: the worker is plain JavaScript.
          execArgv: [],
          resourceLimits: {
            maxOldGenerationSizeMb: settings.heapMb,
            maxYoungGenerationSizeMb: Math.max(4, Math.round(settings.heapMb / 8))
          }
        })
        const end = (outcome: Effect.Effect<string, PdfTooManyPages | PdfUnreadable>) => {
          resume(outcome)
          void worker.terminate()
        }
        // Attached before anything can run, and kept for the worker's whole life: an 'error' event with no
        // listener would be thrown in the API's process.
        worker.on("message", (message: unknown) => end(answered(message, settings)))
        worker.on("error", (cause: Error & { code?: string }) =>
          end(
            Effect.fail(
              cause.code === "ERR_WORKER_OUT_OF_MEMORY"
                ? new PdfUnreadable({ reason: "memory", message: `reading the PDF needs more than ${settings.heapMb} MB of memory`, cause })
                : crashed(cause)
            )
          )
        )
        worker.on("exit", (code) => end(Effect.fail(crashed(new Error(`the PDF worker exited with code ${code}`)))))
        // Interrupted (over the time limit, or the caller gone): the worker stops mid-page.
        return Effect.promise(() => worker.terminate()).pipe(Effect.timeout("2 seconds"), Effect.ignore)
      }).pipe(
        Effect.timeoutFail({
          duration: settings.timeLimit,
          onTimeout: () =>
            new PdfUnreadable({ reason: "time", message: `reading the PDF took longer than ${Duration.format(settings.timeLimit)}` })
        })
      )

    return PdfText.of({
      extract: (bytes) =>
        withReader(read(bytes)).pipe(
          Effect.tapError((e) =>
            e._tag === "PdfUnreadable" && e.cause !== undefined
              ? Effect.logWarning(`PDF refused: ${e.message}`, e.cause)
              : Effect.logWarning(`PDF refused: ${e.message}`)
          ),
          Effect.withSpan("PdfText.extract")
        )
    })
  })

export const layer = (settings: PdfTextSettings) => Layer.effect(PdfText, make(settings))

export const layerConfig = Layer.effect(PdfText, Effect.flatMap(settingsConfig, make))

const answered = (message: unknown, settings: PdfTextSettings) =>
  Either.match(Schema.decodeUnknownEither(Answer)(message), {
    onLeft: (cause) => Effect.fail(crashed(cause)),
    onRight: (answer) => {
      switch (answer.kind) {
        case "text":
          return Effect.succeed(answer.text)
        case "tooManyPages":
          return Effect.fail(new PdfTooManyPages({ pages: answer.pages, maxPages: settings.maxPages }))
        case "unreadable":
          return Effect.fail(
            answer.name === "PasswordException"
              ? new PdfUnreadable({ reason: "encrypted", message: "the PDF is password-protected; send it without a password", cause: answer })
              : new PdfUnreadable({ reason: "damaged", message: "the PDF could not be read: it is damaged or not a PDF", cause: answer })
          )
      }
    }
  })

const crashed = (cause: unknown) =>
  new PdfUnreadable({ reason: "crashed", message: "the PDF reader stopped on this document; it could not be read", cause })
