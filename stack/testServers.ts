import net from "node:net"
import { Effect } from "effect"

/**
 * Stand-ins for a dependency that hangs, for tests of time limits. They run in the test's own process on
 * 127.0.0.1, so no test ever has to stop or pause the stack that other tests share.
 */

/** A server that accepts every connection and never says a word: a database or HTTP server that hangs. */
export const hungServer = Effect.acquireRelease(
  Effect.async<{ readonly server: net.Server; readonly sockets: Set<net.Socket> }>((resume) => {
    const sockets = new Set<net.Socket>()
    const server = net.createServer((socket) => {
      sockets.add(socket)
      socket.on("error", () => {})
      socket.on("close", () => sockets.delete(socket))
    })
    server.listen(0, "127.0.0.1", () => resume(Effect.succeed({ server, sockets })))
  }),
  ({ server, sockets }) => closeAll(server, sockets)
).pipe(Effect.map(({ server }) => ({ port: portOf(server) })))

/**
 * A TCP proxy to `127.0.0.1:targetPort` that can stop passing bytes either way, as a frozen server would
 * (SIGSTOP): connections stay open, nothing answers. `thaw` delivers what was held back, in order.
 */
export const freezableProxy = (targetPort: number) =>
  Effect.acquireRelease(
    Effect.async<{ readonly server: net.Server; readonly sockets: Set<net.Socket>; readonly gate: Gate }>((resume) => {
      const sockets = new Set<net.Socket>()
      const gate = new Gate()
      const server = net.createServer((client) => {
        const upstream = net.connect(targetPort, "127.0.0.1")
        for (const [from, to] of [
          [client, upstream],
          [upstream, client]
        ] as const) {
          sockets.add(from)
          from.on("data", (chunk) => gate.pass(() => to.write(chunk)))
          from.on("error", () => {})
          from.on("close", () => {
            sockets.delete(from)
            to.destroy()
          })
        }
      })
      server.listen(0, "127.0.0.1", () => resume(Effect.succeed({ server, sockets, gate })))
    }),
    ({ server, sockets }) => closeAll(server, sockets)
  ).pipe(
    Effect.map(({ server, gate }) => ({
      port: portOf(server),
      freeze: () => gate.close(),
      thaw: () => gate.open()
    }))
  )

/** Runs writes at once while open; while closed keeps them, in order, for when it opens. */
class Gate {
  private held: Array<() => void> | null = null
  pass(write: () => void) {
    if (this.held === null) write()
    else this.held.push(write)
  }
  close() {
    this.held ??= []
  }
  open() {
    const held = this.held ?? []
    this.held = null
    for (const write of held) write()
  }
}

const portOf = (server: net.Server) => (server.address() as net.AddressInfo).port

const closeAll = (server: net.Server, sockets: Set<net.Socket>) =>
  Effect.async<void>((resume) => {
    for (const socket of sockets) socket.destroy()
    server.close(() => resume(Effect.void))
  })
