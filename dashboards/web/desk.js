/* global document, CSS, location, sessionStorage, WebSocket, fetch, setInterval, clearInterval, setTimeout, clearTimeout */
// The reviewer's desk at `/desk`: sign in with a reviewer key, go online over `/desk/ws`, and decide the tasks the
// desk pushes (pipelines/deskRoutes.ts, pipelines/DeskHub.ts). The page holds no state of its own that matters:
// PostgreSQL does, and on every (re)connection the desk pushes the tasks held again, so a reload loses nothing.

import { $ } from "./dom.js"
import { markWarned, remaining, taskCard } from "./deskTask.js"

export const DESK_KEY_STORAGE = "jobstream.desk.reviewerKey"
/** The desk counts a reviewer online for 30 s after a heartbeat; one every 5 s leaves room for a slow tab. */
const HEARTBEAT_MS = 5_000
/** Close code the desk uses for a key it refuses: reconnecting with the same key cannot help. */
const UNAUTHORIZED = 4401

const desk = { socket: null, heartbeat: null, retry: null, attempts: 0, strikes: 0, locked: false }

const key = () => sessionStorage.getItem(DESK_KEY_STORAGE)

const setPresence = (state, text) => {
  const el = $("#presence")
  el.dataset.state = state
  el.textContent = text
}

const showError = (message) => {
  const el = $("#desk-error")
  el.textContent = message
  el.hidden = message === ""
}

const notice = (message) => {
  const el = $("#desk-notice")
  el.textContent = message
  el.hidden = message === ""
}

const connect = () => {
  clearTimeout(desk.retry)
  const apiKey = key()
  if (!apiKey) return
  setPresence("connecting", "Connecting…")
  const socket = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/desk/ws`)
  desk.socket = socket
  socket.addEventListener("open", () => socket.send(JSON.stringify({ type: "hello", key: apiKey })))
  socket.addEventListener("message", (event) => {
    let message
    try {
      message = JSON.parse(event.data)
    } catch {
      return
    }
    onMessage(socket, message)
  })
  socket.addEventListener("close", (event) => {
    if (desk.socket !== socket) return
    clearInterval(desk.heartbeat)
    desk.socket = null
    if (event.code === UNAUTHORIZED) {
      setPresence("offline", "Offline: key refused")
      return
    }
    if (!key()) return
    // The desk or the network went away: try again, a little later each time, up to 15 s apart.
    const delay = Math.min(15_000, 1_000 * 2 ** desk.attempts++)
    setPresence("offline", `Offline: reconnecting in ${Math.round(delay / 1000)} s`)
    desk.retry = setTimeout(connect, delay)
  })
}

const onMessage = (socket, message) => {
  switch (message.type) {
    case "welcome":
      desk.attempts = 0
      showError("")
      $("#who").textContent = `Signed in as ${message.name}`
      setStrikes(message.strikes)
      $("#strike-warning").hidden = !message.warning
      setLocked(message.locked)
      // A fresh seat: the desk pushes every task held again, so the screen starts from nothing.
      clearTasks()
      clearInterval(desk.heartbeat)
      desk.heartbeat = setInterval(() => socket.readyState === WebSocket.OPEN && socket.send(JSON.stringify({ type: "heartbeat" })), HEARTBEAT_MS)
      return
    case "task":
      addTask(message.task)
      return
    case "warning": {
      const card = cardOf(message.taskId)
      if (!card) return
      card.querySelector(".remaining").dataset.deadline = message.deadline
      markWarned(card)
      return
    }
    case "revoked": {
      const card = cardOf(message.taskId)
      if (!card) return
      const title = card.querySelector("h2").textContent
      removeCard(card)
      notice(
        message.reason === "missed"
          ? `The timer of “${title}” ran out: the task went back to the queue for another reviewer, and you got a strike.`
          : `“${title}” left your desk: it was decided or closed elsewhere.`
      )
      return
    }
    case "strike":
      setStrikes(message.strikes)
      if (message.warning) $("#strike-warning").hidden = false
      return
    case "locked":
      setLocked(true)
      return
    case "unlocked":
      setStrikes(message.strikes)
      $("#strike-warning").hidden = true
      setLocked(false)
      return
    case "error":
      showError(message.message)
      return
  }
}

const setStrikes = (n) => {
  desk.strikes = n
  const el = $("#strikes")
  el.dataset.strikes = String(n)
  el.textContent = `Strikes: ${n}`
  el.hidden = false
}

const setLocked = (locked) => {
  desk.locked = locked
  $("#locked-banner").hidden = !locked
  // Locked says more than the warning that came before it.
  if (locked) $("#strike-warning").hidden = true
  document.body.dataset.locked = String(locked)
  setPresence(locked ? "locked" : "online", locked ? "Online, locked: no new tasks" : "Online")
}

const cardOf = (taskId) => document.querySelector(`#tasks [data-task-id="${CSS.escape(taskId)}"]`)

const addTask = (task) => {
  const card = taskCard(task, decide)
  const existing = cardOf(task.taskId)
  if (existing) existing.replaceWith(card)
  else $("#tasks").append(card)
  updateEmpty()
}

const removeCard = (card) => {
  card.remove()
  updateEmpty()
}

const clearTasks = () => {
  for (const card of document.querySelectorAll("#tasks .task")) card.remove()
  updateEmpty()
}

const updateEmpty = () => {
  const tasks = $("#tasks")
  const count = tasks.querySelectorAll(".task").length
  tasks.dataset.count = String(count)
  const empty = $(".empty", tasks)
  empty.hidden = count > 0
  empty.textContent = key() ? "No task for you right now: the next one waiting comes to you here." : "Sign in with your reviewer key to receive tasks."
}

const decide = async (taskId, decision) => {
  const card = cardOf(taskId)
  if (!card) return
  const error = card.querySelector(".task-error")
  const buttons = [...card.querySelectorAll("button")]
  for (const b of buttons) b.disabled = true
  error.hidden = true
  try {
    const response = await fetch(`/desk/tasks/${encodeURIComponent(taskId)}/decision`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json", authorization: `Bearer ${key()}` },
      body: JSON.stringify(decision)
    })
    const body = await response.json().catch(() => null)
    if (!response.ok) throw new Error(body?.message ?? `the desk answered ${response.status}`)
    const title = card.querySelector("h2").textContent
    removeCard(card)
    notice(`${outcomeText(body?.outcome ?? decision.action)}: “${title}”.`)
  } catch (cause) {
    error.textContent = `Not recorded: ${cause instanceof Error ? cause.message : String(cause)}`
    error.hidden = false
    for (const b of buttons) b.disabled = false
  }
}

const outcomeText = (outcome) =>
  ({ approved: "Approved", rejected: "Rejected", released: "Released back to the queue", merged: "Merged", distinct: "Kept apart" })[outcome] ?? outcome

const tick = () => {
  for (const time of document.querySelectorAll("#tasks .remaining[data-deadline]"))
    if (time.dataset.deadline) time.textContent = remaining(time.dataset.deadline)
}

const signOut = () => {
  sessionStorage.removeItem(DESK_KEY_STORAGE)
  clearTimeout(desk.retry)
  clearInterval(desk.heartbeat)
  const socket = desk.socket
  desk.socket = null
  socket?.close(1000, "signed out")
  $("#desk-key").value = ""
  $("#who").textContent = ""
  $("#strikes").hidden = true
  $("#strike-warning").hidden = true
  $("#locked-banner").hidden = true
  $("#sign-out").hidden = true
  showError("")
  notice("")
  clearTasks()
  setPresence("offline", "Offline")
}

const start = () => {
  $("#desk-sign-in").addEventListener("submit", (event) => {
    event.preventDefault()
    const value = $("#desk-key").value.trim()
    if (!value) return
    signOut()
    sessionStorage.setItem(DESK_KEY_STORAGE, value)
    $("#sign-out").hidden = false
    updateEmpty()
    connect()
  })
  $("#sign-out").addEventListener("click", signOut)
  setInterval(tick, 1000)
  if (key()) {
    $("#sign-out").hidden = false
    updateEmpty()
    connect()
  }
}

start()
