// One task on the reviewer's desk, as a card: the posting (or, for a possible duplicate, both postings), the
// seeker's resume excerpt, the score with its explanation, the countdown and the decision buttons. Everything
// shown comes from the task the desk pushed (pipelines/deskViews.ts TaskView), always as text.

import { h } from "./dom.js"
import { humanize } from "./format.js"

/** schemas/Review.ts RejectReason, in its order: the closed set a rejection must name (the desk test compares them). */
export const REJECT_REASONS = [
  "skills_mismatch",
  "seniority_mismatch",
  "location_mismatch",
  "salary_mismatch",
  "company_or_industry",
  "posting_quality",
  "already_applied",
  "other"
]

/**
 * The card for `task`; `decide(taskId, decision)` is called with the body of `POST /desk/tasks/:taskId/decision`
 * when a button is pressed.
 */
export const taskCard = (task, decide) => {
  const id = `task-${task.taskId}`
  const card = h("article", { class: `task ${task.kind}`, id, "data-task-id": task.taskId, "data-kind": task.kind, "aria-labelledby": `${id}-title` },
    h("header", { class: "task-head" },
      h("h2", { id: `${id}-title` }, task.kind === "dedup" ? `Possible duplicate: ${task.job.title}` : task.job.title),
      h("p", { class: "score" }, h("span", { class: "badge score-badge", "data-score": String(task.score) }, `Score ${Math.round(task.score)}`)),
      h("p", { class: "countdown" }, "Time left ",
        h("time", { class: "remaining", "data-deadline": task.deadline ?? "", datetime: task.deadline ?? null }, task.deadline ? remaining(task.deadline) : "no deadline"))),
    h("p", { class: "task-warning", role: "alert", hidden: "" },
      "Time is nearly up: decide or release this task before the deadline, or it goes back to the queue and you get a strike."),
    ...(task.kind === "dedup" ? dedupBody(task) : matchBody(task)),
    task.kind === "dedup" ? dedupActions(task, decide) : matchActions(task, decide),
    h("p", { class: "task-error error", role: "alert", hidden: "" }))
  if (task.warned) markWarned(card)
  return card
}

export const markWarned = (card) => {
  card.dataset.warned = "true"
  card.querySelector(".task-warning").hidden = false
}

/** The countdown's text: minutes and seconds left, never negative. */
export const remaining = (deadline, now = Date.now()) => {
  const seconds = Math.max(0, Math.ceil((Date.parse(deadline) - now) / 1000))
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`
}

const matchBody = (task) => [
  posting(task.job, "Job"),
  h("section", { class: "resume", "aria-label": "The seeker's resume" },
    h("h3", {}, "Resume", task.seeker?.name ? ` of ${task.seeker.name}` : ""),
    h("p", { class: "excerpt resume-excerpt" }, task.seeker?.resumeExcerpt || "No resume text.")),
  explanation(task)
]

const dedupBody = (task) => [
  h("div", { class: "pair" }, posting(task.job, "This posting"), task.candidate ? posting(task.candidate, "Looks like this one") : null)
]

/** A posting: its title links to the source's page (only an http(s) link: the URL comes from a crawled site). */
const posting = (p, label) =>
  h("section", { class: "posting", "data-job-id": p.jobId, "aria-label": `${label}: ${p.title}` },
    h("p", { class: "posting-label muted" }, label),
    h("h3", { class: "posting-title" }, /^https?:\/\//i.test(p.url) ? h("a", { href: p.url, target: "_blank", rel: "noopener noreferrer" }, p.title) : p.title),
    h("dl", { class: "attributes" },
      h("dt", {}, "Company"), h("dd", { class: "posting-company" }, p.company),
      h("dt", {}, "Location"), h("dd", { class: "posting-location" }, p.locations.length > 0 ? p.locations.join(" · ") : "Not given"),
      h("dt", {}, "Source"), h("dd", {}, p.source)),
    contacts(p.contacts ?? []),
    h("p", { class: "excerpt posting-excerpt" }, p.excerpt))

/**
 * The contacts the posting states, each as the text it was read from; an address or link is a link only when it is
 * mailto or http(s), since the text comes from a crawled site.
 */
const contacts = (list) =>
  list.length === 0
    ? null
    : h("ul", { class: "posting-contacts", "aria-label": "Contacts the posting states" },
        ...list.map((c) => {
          const who = [c.name, c.title].filter(Boolean).join(", ")
          const href = c.email ? `mailto:${c.email}` : /^https?:\/\//i.test(c.url ?? "") ? c.url : null
          const shown = c.email ?? c.url ?? c.span.text
          return h("li", { class: `contact contact-${c.kind}` },
            who ? `${who}: ` : c.kind === "apply-link" ? "Apply: " : "",
            href ? h("a", { href, target: "_blank", rel: "noopener noreferrer" }, shown) : shown)
        }))

const strings = (value) => (Array.isArray(value) ? value.filter((v) => typeof v === "string") : [])

const explanation = (task) => {
  const e = task.explanation && typeof task.explanation === "object" ? task.explanation : {}
  const list = (cls, title, items, none) =>
    h("div", { class: cls },
      h("h4", {}, title),
      items.length > 0 ? h("ul", { class: "chips" }, ...items.map((s) => h("li", {}, s))) : h("p", { class: "muted" }, none))
  const constraints = Array.isArray(e.constraints) ? e.constraints.filter((c) => c && typeof c === "object") : []
  return h("section", { class: "explanation", "aria-label": "Why this score" },
    h("h3", {}, `Score ${Math.round(task.score)} of 100: why`),
    list("matched-skills", "Skills matched", strings(e.matchedSkills), "None of the posting's skills."),
    list("missing-must-haves", "Missing must-haves", strings(e.missingMustHaves), "None missing."),
    list("missing-skills", "Other skills missing", strings(e.missingSkills), "None."),
    constraints.length > 0
      ? h("div", { class: "constraints" }, h("h4", {}, "Seeker's constraints"),
          h("ul", {}, ...constraints.map((c) => h("li", { "data-effect": String(c.effect) }, `${humanize(String(c.name))} (${String(c.effect)}): ${String(c.detail ?? "")}`))))
      : null)
}

const matchActions = (task, decide) => {
  const reason = h("select", { name: "reason", class: "reject-reason", "aria-label": "Why reject" },
    ...REJECT_REASONS.map((r) => h("option", { value: r }, humanize(r))))
  const note = h("textarea", { name: "note", class: "reject-note", rows: "2", maxlength: "2000", "aria-label": "Note (optional)", placeholder: "Note (optional)" })
  return h("div", { class: "actions" },
    button("Approve", "approve", () => decide(task.taskId, { action: "approve" })),
    h("fieldset", { class: "reject" },
      h("legend", { class: "visually-hidden" }, "Reject with a reason"),
      reason, note,
      button("Reject", "reject", () => decide(task.taskId, { action: "reject", reason: reason.value, ...(note.value.trim() ? { note: note.value.trim() } : {}) }))),
    button("Release", "release", () => decide(task.taskId, { action: "release" }), "secondary"))
}

const dedupActions = (task, decide) =>
  h("div", { class: "actions" },
    button("Merge", "merge", () => decide(task.taskId, { action: "merge" })),
    button("Keep apart", "distinct", () => decide(task.taskId, { action: "distinct" })),
    button("Release", "release", () => decide(task.taskId, { action: "release" }), "secondary"))

const button = (label, action, onClick, cls = "") => {
  const el = h("button", { type: "button", "data-action": action, class: cls || null }, label)
  el.addEventListener("click", onClick)
  return el
}
