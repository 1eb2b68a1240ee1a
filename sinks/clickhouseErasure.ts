import { Effect } from "effect"
import { ClickHouse, quote } from "../stack/ClickHouse.js"

/**
 * Deletes erased seekers' rows from ClickHouse. Its tables hold ids only (no names, emails or resume text: see
 * migrations 001 and 006), but a seeker id still ties each row to the person, so an erasure takes the rows too:
 * `pipeline_events`' scored and application rows (the seeker id is in `detail`), `review_events` and
 * `approved_applications`. The KPI tables the views fill hold counts per hour, source and decision, nothing per
 * seeker, and keep them: a past period's KPIs do not change when a seeker leaves, while the raw rows they were
 * read from do.
 *
 * ClickHouse 18.16 has `ALTER TABLE ... DELETE WHERE` (a mutation) but no synchronous mutations: the command
 * returns once the mutation is recorded, and the server rewrites the parts holding matching rows in the background
 * (`system.mutations` says when it is done). A mutation covers the parts that exist when it is recorded, so the
 * caller runs it after inserting whatever it had for these seekers. Running it again is harmless.
 */
export const eraseSeekersFromClickHouse = (seekerIds: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    if (seekerIds.length === 0) return
    const ch = yield* ClickHouse
    // No query parameters on this server: every id goes through `quote`.
    const ids = seekerIds.map(quote).join(", ")
    yield* ch.command(`ALTER TABLE pipeline_events DELETE WHERE visitParamExtractString(detail, 'seekerId') IN (${ids})`)
    yield* ch.command(`ALTER TABLE review_events DELETE WHERE seeker_id IN (${ids})`)
    yield* ch.command(`ALTER TABLE approved_applications DELETE WHERE seeker_id IN (${ids})`)
  }).pipe(Effect.withSpan("ClickHouse.eraseSeekers", { attributes: { seekers: seekerIds.length } }))
