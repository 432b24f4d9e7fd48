/**
 * The worker-thread side of `rtcspec load`: runs the calls the main thread starts, reports each one's connect
 * and result by message, reports its thread CPU time every second, and on `stop` ends every call, closes
 * everything and says `stopped`. Started by `pool.ts` with a {@link WorkerInit} as `workerData`.
 * @module
 */
import { parentPort, workerData } from 'node:worker_threads'
import { parseScenario } from '../calls/scenario-spec.ts'
import { runLoadCall } from './call.ts'
import type { FromWorker, ToWorker, WorkerInit } from './types.ts'

const port = parentPort
if (!port) throw new Error('src/load/worker.ts runs as a worker thread started by rtcspec load')

const init = workerData as WorkerInit
const send = (m: FromWorker) => port.postMessage(m)

try {
  const spec = parseScenario(init.spec)
  const stop = new AbortController()
  const running = new Set<Promise<void>>()
  let originOffset = 0 // main's run origin on this thread's performance clock
  const cpuTimer = setInterval(() => send({ type: 'cpu', cpu: process.threadCpuUsage() }), 1000)
  cpuTimer.unref()

  port.on('message', (m: ToWorker) => {
    if (m.type === 'start') {
      originOffset = m.runOriginEpochMs - performance.timeOrigin
      if (stop.signal.aborted) return
      const p = runLoadCall(spec, {
        id: m.id,
        worker: init.index,
        ...(m.seed !== undefined ? { seed: m.seed } : {}),
        startedAtMs: m.startedAtMs,
        now: () => Math.max(0, performance.now() - originOffset),
        ...(m.holdMs !== undefined ? { holdMs: m.holdMs } : {}),
        connectTimeoutMs: init.connectTimeoutMs,
        ...(init.maxMissing !== undefined ? { maxMissing: init.maxMissing } : {}),
        records: init.records,
        ...(init.turn ? { turn: init.turn } : {}),
        stop: stop.signal,
        onConnected: (connectMs) => send({ type: 'connected', id: m.id, connectMs }),
      }).then((result) => send({ type: 'result', result }))
      const tracked = p.finally(() => running.delete(tracked))
      running.add(tracked)
    } else if (m.type === 'stop') {
      stop.abort()
      void Promise.allSettled([...running]).then(() => {
        clearInterval(cpuTimer)
        // the port stays open: the main thread reads this thread's scheduler times, then terminates it
        send({ type: 'stopped', cpu: process.threadCpuUsage(), udpSockets: process.getActiveResourcesInfo().filter((r) => r === 'UDPWRAP').length })
      })
    }
  })
  send({ type: 'ready' })
} catch (e) {
  send({ type: 'fatal', message: e instanceof Error ? e.message : String(e) })
}
