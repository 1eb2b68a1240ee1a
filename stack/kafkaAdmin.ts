import { Deferred, Duration, Effect, Either, Exit, Fiber, FiberId, Option } from "effect"
import { attempt, type KafkaError, NoAnswer } from "./kafkaCalls.js"

/** What the shared admin needs of a client: the library's admin client, or a fake in a test. */
export interface AdminClient {
  readonly connect: () => Promise<void>
  readonly listTopics: () => Promise<Array<string>>
  readonly disconnect: () => Promise<void>
}

export interface SharedAdminOptions<C extends AdminClient> {
  /** A new client, not yet connected: called once at the start, and for each second opinion. */
  readonly newClient: () => C
  /** The limit of every call, of connecting a client and of closing one. */
  readonly callTimeout: Duration.Duration
  /** How long a replaced client may take to settle the calls under way on it before it is closed (default 5 minutes). */
  readonly drainLimit?: Duration.Duration
}

/**
 * The admin client behind metadata, offsets and topic creation (and so behind `/healthz` and the producer's own
 * check of the broker), kept behind a reference so that a client stuck without a broker is replaced.
 *
 * After a broker pause, a metadata answer given while KRaft still fences the resuming broker lists no broker;
 * librdkafka then forgets every broker it knew and never asks again (see kafkaProducer.ts). An admin client left
 * so answers nothing while other clients are fine: `/healthz` said "kafka: no answer within 2s" for minutes after
 * the broker was back, in one fault-suite run in two.
 *
 * The rule: a call that gets no answer within `callTimeout` asks for a second opinion, a new client that connects
 * and lists the topics within the same limit. If it answers, it becomes the client (the old one is closed in the
 * background); if not, the broker itself is out, and it is closed. One second opinion at a time. An admin client
 * holds no state worth keeping, so a replacement after a mere hiccup costs one connection and nothing else.
 *
 * Each call runs in the service's scope, not its caller's: a caller that gives up first (a health probe with a
 * shorter limit) still leaves the call to reach its own limit, and so to ask for the second opinion.
 */
export const sharedAdmin = <C extends AdminClient>(options: SharedAdminOptions<C>) =>
  Effect.gen(function* () {
    const scope = yield* Effect.scope
    // Calls under way on each client: the promises of the library, which settle at their own timeouts, not ours.
    const underWay = new Map<C, { count: number; idle: Deferred.Deferred<void> }>()
    const track = (client: C) => {
      let entry = underWay.get(client)
      if (!entry) underWay.set(client, (entry = { count: 0, idle: Deferred.unsafeMake<void>(FiberId.none) }))
      return entry
    }
    const tracked = <A>(client: C, f: () => Promise<A>) => {
      const calls = track(client)
      if (calls.count++ === 0) calls.idle = Deferred.unsafeMake<void>(FiberId.none)
      return f().finally(() => {
        if (--calls.count === 0) Deferred.unsafeDone(calls.idle, Exit.void)
      })
    }
    // The library's disconnect of an admin client runs on the JavaScript thread and waits for every call under way
    // on it: closing a stuck client at once blocked the API's event loop for 8.7 s in the fault suite. So a client
    // is closed once its calls have settled (each within its own timeout), and left open if they never do.
    const close = (client: C) =>
      Effect.gen(function* () {
        const calls = track(client)
        if (calls.count > 0) {
          const settled = yield* Effect.timeout(Deferred.await(calls.idle), options.drainLimit ?? Duration.minutes(5)).pipe(Effect.option)
          if (Option.isNone(settled))
            return yield* Effect.logWarning(`Kafka admin client left open: ${calls.count} calls on it never settled`)
        }
        underWay.delete(client)
        yield* disconnect(client)
      })
    const disconnect = (client: C) => attempt("disconnect admin", options.callTimeout, () => client.disconnect()).pipe(Effect.ignore)
    const open = (client: C) =>
      attempt("connect admin", options.callTimeout, async () => {
        await client.connect()
        await tracked(client, () => client.listTopics())
      })

    const first = options.newClient()
    let current = first
    yield* Effect.acquireRelease(
      Effect.tapError(open(first), () => disconnect(first)),
      // Whichever client is current when the scope closes (a replaced one is closed by its replacement), at once:
      // the process is ending, and the calls under way end at their own timeouts.
      () => disconnect(current)
    )

    let asking = false
    const secondOpinion = (stuck: C) =>
      Effect.gen(function* () {
        if (stuck !== current || asking) return
        asking = true
        const candidate = options.newClient()
        const answered = yield* Effect.either(open(candidate))
        asking = false
        if (Either.isLeft(answered)) return yield* Effect.forkIn(close(candidate), scope)
        if (stuck !== current) return yield* Effect.forkIn(close(candidate), scope)
        current = candidate
        yield* Effect.logWarning("Kafka admin client replaced: it got no answer while a new client did")
        yield* Effect.forkIn(close(stuck), scope)
      }).pipe(Effect.annotateLogs("component", "Kafka"))

    const call = <A>(operation: string, f: (client: C) => Promise<A>): Effect.Effect<A, KafkaError> =>
      Effect.suspend(() => {
        const used = current
        return attempt(operation, options.callTimeout, () => tracked(used, () => f(used))).pipe(
          Effect.tapError((error) =>
            error.cause instanceof NoAnswer ? Effect.forkIn(secondOpinion(used), scope) : Effect.void
          ),
          Effect.forkIn(scope),
          Effect.flatMap(Fiber.join)
        )
      })

    return { call }
  })
