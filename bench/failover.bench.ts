/**
 * `npm run bench -- failover`: the failover model against real clients over minutes. Each real client
 * (TarsCpp 622165c built by scripts/peers/build-tarscpp.sh, and @tars/rpc) calls a servant on two loopback
 * networks (2 nodes × x, y) at a fixed rate with a 2 s call timeout from its config file; network x is
 * blackholed (iptables, a chain of our own) for DOWN seconds, then healed. Printed side by side with
 * `tarsnet failover --json` for the same client: the calls lost in the first seconds, the calls lost per
 * minute while x stays down, and the seconds after the heal until x answers again. Each scenario in turn:
 * x blackholed (DROP), then x answering with resets (REJECT, `--refused`); TARSNET_BENCH_FAILOVER_MODES
 * (blackhole,refused) picks some.
 * Not a speed benchmark: it returns no timing rows, only the table.
 */
import type {ChildProcess} from 'node:child_process'

import {startTarsJsServant, type RunningServant} from '../src/lab/tars-server.js'
import {ALL_IPS, drillMissing, failedBetween, firstAnswerFromX, freePort, modelFor, OBJ, runDrill, scratchDir, startCppServants, type ModelCaller, type Second} from '../test/helpers/failover-drill.js'
import type {BenchRow} from './lib.js'

const RATE = 40
const TIMEOUT_MS = 2000
const CUT_AT = 10
const DOWN = Number(process.env.TARSNET_BENCH_FAILOVER_DOWN ?? 180)
const AFTER = 60
const MODES = (process.env.TARSNET_BENCH_FAILOVER_MODES ?? 'blackhole,refused').split(',').map((m) => m.trim()).filter(Boolean) as Mode[]

type Mode = 'blackhole' | 'refused'

interface Outcome {
  client: string
  mode: Mode
  model: ModelCaller
  first: number
  perMinute: number
  recover: number | null
}

function measure(client: string, mode: Mode, model: ModelCaller, lines: Second[]): Outcome {
  const settle = CUT_AT + Math.ceil(model.detectSeconds) + 5
  const heal = CUT_AT + DOWN
  const first = failedBetween(lines, CUT_AT - 1, settle)
  const steadyFailed = failedBetween(lines, settle, heal)
  const recoverAt = firstAnswerFromX(lines, heal)
  return {client, mode, model, first, perMinute: Math.round(steadyFailed / ((heal - settle) / 60)), recover: recoverAt === null ? null : recoverAt - heal}
}

export default async function failoverBench(): Promise<BenchRow[]> {
  const bad = MODES.filter((m) => m !== 'blackhole' && m !== 'refused')
  if (bad.length > 0 || MODES.length === 0) throw new Error(`TARSNET_BENCH_FAILOVER_MODES: give blackhole, refused or both (comma-separated), not '${bad.join(',')}'`)
  const outcomes: Outcome[] = []
  for (const mode of MODES) for (const client of ['cpp', 'node'] as const) {
    const missing = drillMissing(client)
    if (missing.length > 0) throw new Error(`the failover bench needs: ${missing.join('; ')}`)
    const dir = scratchDir()
    const port = await freePort()
    const children: ChildProcess[] = []
    const servants: RunningServant[] = []
    try {
      if (client === 'cpp') children.push(...await startCppServants(port, dir))
      else for (const ip of ALL_IPS) servants.push(await startTarsJsServant(OBJ, ip, port))
      const model = await modelFor(client, RATE, TIMEOUT_MS, port, dir, mode)
      process.stderr.write(`# ${client}: x ${mode === 'refused' ? 'refused' : 'blackholed'} ${DOWN} s from ${CUT_AT} s, then ${AFTER} s healed\n`)
      const lines = await runDrill({client, port, rate: RATE, timeoutMs: TIMEOUT_MS, cutAt: CUT_AT, healAt: CUT_AT + DOWN, seconds: CUT_AT + DOWN + AFTER, dir, mode})
      outcomes.push(measure(client === 'cpp' ? 'TarsCpp 3.0.22' : 'Tars.js 2.0.15', mode, model, lines))
    } finally {
      for (const c of children) c.kill('SIGKILL')
      for (const s of servants) await s.close()
    }
  }
  const pad = (s: string | number, n: number) => String(s).padEnd(n)
  console.log(`failover: ${RATE} calls/s over 2 nodes × 2 networks, x cut ${DOWN} s then healed, call timeout ${TIMEOUT_MS} ms`)
  console.log(`  ${pad('client', 16)}${pad('cut', 11)}${pad('first failed (model / measured)', 34)}${pad('per minute (model / measured)', 32)}recovery s (model: at most / measured)`)
  for (const o of outcomes) {
    console.log(`  ${pad(o.client, 16)}${pad(o.mode === 'refused' ? 'refused' : 'blackholed', 11)}${pad(`${o.model.failedCalls} / ${o.first}`, 34)}${pad(`${o.model.steadyFailedPerMinute} / ${o.perMinute}`, 32)}${o.model.recoverSeconds} / ${o.recover ?? 'none'}`)
  }
  return []
}
