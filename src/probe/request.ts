/**
 * One probe, from what was asked to what to probe and how: the plan (node matrix or one object's
 * endpoints, read from a store), the source address per network, and the timing options. Shared by
 * `tarsnet probe` and the exporter, which plans again every round without going through the command.
 */
import {createSocket} from 'node:dgram'

import {normalizeIp} from '../core/ip.js'
import {parseObjectName} from '../core/resolve.js'
import type {Network, Networks} from '../core/networks.js'
import {badProfileValue, UserError} from '../core/errors.js'
import {EXIT} from '../core/exit-codes.js'
import {loadRunScope} from '../store/object-loader.js'
import type {Store} from '../store/types.js'
import {DEFAULT_TIMEOUT_MAX_MS} from '../core/rtt.js'
import {DEFAULT_RETRIES, DEFAULT_TIMEOUT_MS, defaultConcurrency, type ProbeOptions} from './engine.js'
import {planMatrix, planObject, type CheckMode, type ProbePlan} from './plan.js'
import {NOTHING} from '../core/names.js'

export interface ProbeRequest {
  /** App.Server.Obj (already checked to be well formed), or undefined for the node matrix. */
  object?: string
  check: CheckMode
  network?: string
  node?: string
  /** --port: exactly these ports on every node IP. */
  ports?: number[]
  /** The profile's probe ports: tried after the servant ports, alone where a node has none. */
  fallbackPorts?: number[]
  /** The configured networks (flag, environment or profile); empty: the store's saved ones, else automatic. */
  configuredNetworks: Network[]
}

export interface PlannedProbe {
  plan: ProbePlan
  networks: Networks
  /** Things the operator should know (e.g. a flag that does not apply), besides the plan's own notes. */
  notes: string[]
}

/** An object named on the command line must be App.Server.Obj: said before anything is read. */
export function assertObjectName(object: string | undefined): void {
  if (object !== undefined && !parseObjectName(object)) throw new UserError(`invalid object name '${object}': write it as App.Server.Obj`, {code: 'invalid_object'})
}

/** Reads the rows the request needs from `store` and plans the probe. */
export async function planProbe(store: Store, request: ProbeRequest): Promise<PlannedProbe> {
  const scope = await loadRunScope(store, request, {network: request.network, node: request.node})
  const {networks} = scope
  if (scope.kind === 'matrix') {
    const plan = planMatrix({...scope, ports: request.ports, fallbackPorts: request.fallbackPorts, check: request.check, network: request.network, node: request.node})
    return {plan, networks, notes: plan.notes}
  }
  const plan = planObject(scope.result, networks, request.check, request.network)
  const notes = [...plan.notes]
  if (request.ports) notes.push('--port is ignored with an object: its endpoints carry their own ports')
  return {plan, networks, notes}
}

/** The error for a plan with nothing to probe (exit 3), saying why. */
export function nothingToProbe(plan: ProbePlan, filtered: boolean): UserError {
  return new UserError(
    plan.rows.length === 0
      ? `nothing to probe: no ${plan.mode === 'object' ? 'endpoint' : 'node'} matches${filtered ? ' --node/--network' : ''}`
      : 'nothing to probe: no IP has a port to probe (no active servants there): give --port N',
    {code: 'nothing_to_probe', exitCode: EXIT.unknown},
  )
}

/** The profile's probe.bind, with where the profile is (`profileWhere`), so that a bad value can be named as config errors name it. */
export interface ProfileBind {
  values: Record<string, string>
  /** `profile "plant" in /etc/tarsnet/config.json` */
  where: string
}

/** One source address asked for: from a --bind flag (as typed) or from the profile's probe.bind. */
export interface BindSpec {
  network: string
  ipText: string
  /** The flag as typed, or the profile it came from (`profileWhere`). */
  from: {flag: string} | {profile: string}
}

/** The --bind flags and the profile's probe.bind, as specs (the flags last: they win). Throws for a flag that is not NETWORK=IP. */
export function bindSpecs(profile: ProfileBind | undefined, fromFlags: string[] | undefined): BindSpec[] {
  const specs: BindSpec[] = Object.entries(profile?.values ?? {}).map(([network, ipText]) => ({network, ipText, from: {profile: profile!.where}}))
  for (const spec of fromFlags ?? []) {
    const eq = spec.indexOf('=')
    if (eq <= 0) throw new UserError(`invalid --bind '${spec}': write NETWORK=IP, e.g. --bind x=10.10.0.5`, {code: 'invalid_bind'})
    specs.push({network: spec.slice(0, eq).trim(), ipText: spec.slice(eq + 1).trim(), from: {flag: spec}})
  }
  return specs
}

/**
 * A bad source address, named where it came from: `invalid --bind 'x=IP': …` for a flag; for the profile,
 * the profile, its file, the key and the value, as every other bad profile value is named.
 */
function bindError(spec: BindSpec, problem: {expected: string; flag: string}): UserError {
  if ('profile' in spec.from) return badProfileValue(spec.from.profile, `probe.bind.${spec.network}`, spec.ipText, problem.expected, 'invalid_bind')
  return new UserError(`invalid --bind '${spec.network}=${spec.ipText}': ${problem.flag}`, {code: 'invalid_bind'})
}

/** Source address per network (--bind x=IP and the profile's probe.bind); undefined when none. */
export function bindMap(networks: Networks, specs: readonly BindSpec[]): Map<string, string> | undefined {
  if (specs.length === 0) return undefined
  const names = networks.list.map((n) => n.name)
  const map = new Map<string, string>()
  for (const spec of specs) {
    const {network, ipText} = spec
    if (!names.includes(network)) {
      throw bindError(spec, {
        expected: `a source address for one of the networks (${names.join(', ') || 'none'}): there is no network "${network}"`,
        flag: `unknown network "${network}"; the networks are ${names.join(', ') || NOTHING}`,
      })
    }
    const ip = normalizeIp(ipText)
    if (!ip) throw bindError(spec, {expected: 'an IP address', flag: `"${ipText}" is not an IP address`})
    map.set(network, ip)
  }
  return map
}

/**
 * Every source address in force (the last spec for each network) must be one of this machine's (a socket
 * can be bound to it): probing from an address the machine does not have fails every link with
 * EADDRNOTAVAIL and looks like a network down. Bad input, said before any probe (exit 3), naming where
 * the address came from. A spec that is not an IP is left to `bindMap`.
 */
export async function assertLocalAddresses(specs: readonly BindSpec[]): Promise<void> {
  const inForce = new Map<string, BindSpec>()
  for (const spec of specs) inForce.set(spec.network, spec)
  for (const spec of inForce.values()) {
    const ip = normalizeIp(spec.ipText)
    if (!ip) continue
    const problem = await bindProblem(ip)
    if (problem !== null) {
      throw bindError(spec, {
        expected: `one of this machine's own addresses for network ${spec.network}: ${ip} is not an address of this machine (${problem}; see \`tarsnet nodes detect\`)`,
        flag: `${ip} is not an address of this machine (${problem}); give one of its own addresses on network ${spec.network} (see \`tarsnet nodes detect\`)`,
      })
    }
  }
}

/** Null when a UDP socket can be bound to `ip` (port 0: nothing is sent), else the reason. */
function bindProblem(ip: string): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = createSocket(ip.includes(':') ? 'udp6' : 'udp4')
    socket.once('error', (error: NodeJS.ErrnoException) => {
      socket.close()
      resolve(error.code ?? error.message)
    })
    socket.bind({address: ip, port: 0, exclusive: true}, () => {
      socket.close()
      resolve(null)
    })
  })
}

/** How long to wait per probe: a fixed timeout, or adaptive per network up to a ceiling. */
export interface TimeoutChoice {
  /** The fixed timeout, or with auto the ceiling (what a probe waits at most). */
  timeoutMs: number
  auto: boolean
}

/** --timeout / probe.timeoutMs (a number or "auto") and --timeout-max / probe.timeoutMaxMs. */
export function timeoutChoice(
  flags: {timeout?: string; 'timeout-max'?: number},
  profile: {timeoutMs?: number | 'auto'; timeoutMaxMs?: number},
): TimeoutChoice {
  const t = flags.timeout === undefined ? profile.timeoutMs ?? DEFAULT_TIMEOUT_MS : parseTimeoutFlag(flags.timeout)
  if (t === 'auto') return {timeoutMs: flags['timeout-max'] ?? profile.timeoutMaxMs ?? DEFAULT_TIMEOUT_MAX_MS, auto: true}
  if (flags['timeout-max'] !== undefined) throw new UserError(`--timeout-max applies only with --timeout auto (the ceiling of the adaptive timeout): add --timeout auto, or leave --timeout-max out`, {code: 'invalid_flag'})
  return {timeoutMs: t, auto: false}
}

/** --timeout's value: whole milliseconds from 1 to 600000, or auto. */
export function parseTimeoutFlag(text: string): number | 'auto' {
  if (text.trim() === 'auto') return 'auto'
  const n = Number(text.trim())
  if (!/^\d+$/.test(text.trim()) || n < 1 || n > 600_000) throw new UserError(`invalid --timeout '${text}': give milliseconds from 1 to 600000, or auto`, {code: 'invalid_flag'})
  return n
}

/** With several samples each is one connect: a retry would hide the loss they measure (what JSON then says). */
export function effectiveRetries(samples: number, retries: number): number {
  return samples > 1 ? 0 : retries
}

/** Timeout (fixed or adaptive), retries, concurrency and samples: the flag, else the profile's probe setting, else the default. */
export function probeTiming(
  flags: {timeout?: string; 'timeout-max'?: number; retries?: number; concurrency?: number; samples?: number},
  profile: {timeoutMs?: number | 'auto'; timeoutMaxMs?: number; retries?: number; concurrency?: number; samples?: number},
  defaultSamples = 1,
): Required<Pick<ProbeOptions, 'timeoutMs' | 'retries' | 'concurrency' | 'samples'>> & Pick<ProbeOptions, 'adaptive'> {
  const timeout = timeoutChoice(flags, profile)
  const samples = flags.samples ?? profile.samples ?? defaultSamples
  return {
    timeoutMs: timeout.timeoutMs,
    ...(timeout.auto ? {adaptive: {maxMs: timeout.timeoutMs}} : {}),
    retries: effectiveRetries(samples, flags.retries ?? profile.retries ?? DEFAULT_RETRIES),
    concurrency: flags.concurrency ?? profile.concurrency ?? defaultConcurrency(),
    samples,
  }
}
