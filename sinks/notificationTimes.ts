/**
 * When a notification may go out on a channel, by the seeker's quiet hours and daily digest, read in their own
 * time zone. Times of day are minutes after local midnight.
 */
export interface Timing {
  readonly quietFrom: number | null
  readonly quietTo: number | null
  readonly digestAt: number | null
  readonly timeZone: string
}

const formats = new Map<string, Intl.DateTimeFormat>()

const formatIn = (timeZone: string) => {
  let format = formats.get(timeZone)
  if (format === undefined) {
    format = new Intl.DateTimeFormat("en-GB", { timeZone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" })
    formats.set(timeZone, format)
  }
  return format
}

/** The local time of day at `at` in `timeZone`, in minutes after midnight. */
export const localMinute = (at: Date, timeZone: string): number => {
  const parts = formatIn(timeZone).formatToParts(at)
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0)
  return part("hour") * 60 + part("minute")
}

const minuteMs = 60_000

/**
 * The first instant at or after `at` (to the minute) whose local time is `minute`. Across a daylight-saving
 * change the naive step lands an hour off; one correction puts it back. A time the change skips (02:30 on a
 * spring-forward night) comes out as the first minute after the gap.
 */
export const nextLocal = (at: Date, timeZone: string, minute: number): Date => {
  const start = Math.ceil(at.getTime() / minuteMs) * minuteMs
  const step = (((minute - localMinute(new Date(start), timeZone)) % 1440) + 1440) % 1440
  let candidate = start + step * minuteMs
  const off = (((minute - localMinute(new Date(candidate), timeZone) + 720) % 1440) + 1440) % 1440 - 720
  candidate += off * minuteMs
  return new Date(candidate < start ? candidate + 1440 * minuteMs : candidate)
}

/** Whether a local time of day falls in the window `[from, to)`, which may wrap past midnight (22:00-07:00). */
export const isQuiet = (minute: number, from: number, to: number) =>
  from < to ? minute >= from && minute < to : minute >= from || minute < to

/**
 * When a notification created at `now` is due on `channel`: email in a digest at the next digest time; otherwise
 * at the end of the quiet hours when `now` falls in them; otherwise at once.
 */
export const dueAt = (now: Date, timing: Timing, channel: "webhook" | "email"): Date => {
  if (channel === "email" && timing.digestAt !== null) return nextLocal(now, timing.timeZone, timing.digestAt)
  if (timing.quietFrom !== null && timing.quietTo !== null && isQuiet(localMinute(now, timing.timeZone), timing.quietFrom, timing.quietTo))
    return nextLocal(now, timing.timeZone, timing.quietTo)
  return now
}

/** `HH:MM` -> minutes after midnight, and back. */
export const minutesOf = (clock: string) => Number(clock.slice(0, 2)) * 60 + Number(clock.slice(3, 5))
export const clockOf = (minutes: number) =>
  `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`
