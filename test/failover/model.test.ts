/**
 * The client-config core against the templates TarsFramework ships (tars.default, tars.tarsjava.default),
 * with a child overriding its parent and a server profile overriding both; and the failover model's
 * arithmetic for each language.
 */
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, it} from 'node:test'

import {clientSettings, configLayers, cppEra, mergeLayers, parseTarsConfig} from '../../src/core/client-config.js'
import {foldCallers, modelCaller, serverClients} from '../../src/core/failover.js'
import type {ProfileServerRow, ProfileTemplateRow} from '../../src/core/rows.js'
import {UserError} from '../../src/core/errors.js'

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'templates')
const text = (name: string) => readFileSync(join(FIXTURES, name), 'utf8')

const templates = (): Map<string, ProfileTemplateRow> => new Map([
  ['tars.default', {templateName: 'tars.default', parentsName: '', profile: text('tars.default')}],
  ['tars.tarsjava.default', {templateName: 'tars.tarsjava.default', parentsName: 'tars.default', profile: text('tars.tarsjava.default')}],
  ['tars.cpp.default', {templateName: 'tars.cpp.default', parentsName: 'tars.default', profile: text('tars.cpp.default')}],
  ['plant.cpp', {templateName: 'plant.cpp', parentsName: 'tars.cpp.default', profile: '<tars>\n<application>\n<client>\nasync-invoke-timeout = 2000\n</client>\n</application>\n</tars>\n'}],
])

const server = (over: Partial<ProfileServerRow>): ProfileServerRow => ({application: 'Plant', serverName: 'S', nodeName: 'n1', serverType: 'tars_cpp', tarsVersion: '3.0.22', templateName: 'tars.cpp.default', profile: null, ...over})

const exitCode3 = (re: RegExp) => (error: unknown) => error instanceof UserError && error.exitCode === 3 && re.test(error.message)

describe('Tars config text', () => {
  it('reads the real tars.default: client keys under tars/application/client, comments skipped', () => {
    const c = parseTarsConfig(text('tars.default'), 'tars.default')
    assert.equal(c.get('tars/application/client/async-invoke-timeout')?.value, '5000')
    assert.equal(c.get('tars/application/client/sync-invoke-timeout')?.value, '3000')
    assert.equal(c.get('tars/application/client/refresh-endpoint-interval')?.value, '60000')
    assert.equal(c.get('tars/application/server/logsize')?.value, '10M')
    assert.equal(c.get('tars/application/client/async-invoke-timeout')?.line, 13)
  })

  it('reads the real tars.tarsjava.default: both timeouts 20000, escaped = kept', () => {
    const c = parseTarsConfig(text('tars.tarsjava.default'), 'java')
    assert.equal(c.get('tars/application/client/async-invoke-timeout')?.value, '20000')
    assert.match(c.get('tars/application/server/jvmparams')!.value, /ssl=false/)
  })

  it('names the line of an unparsable profile', () => {
    assert.throws(() => parseTarsConfig('<tars>\n  <application>\n  </tars>\n', 'profile of A.B'), exitCode3(/profile of A\.B line 3: <\/tars> does not close <application>/))
    assert.throws(() => parseTarsConfig('<tars>\n<client>\nx=1\n</client>\n', 'p'), exitCode3(/^p line 1: <tars> is never closed/))
    assert.throws(() => parseTarsConfig('<tars>\n<application>\n<client>\nx=1\n</application>\n</tars>\n', 'p'), exitCode3(/^p line 5: <\/application> does not close <client>/))
    assert.throws(() => parseTarsConfig('<tars>\n  <application>\n  <client>\n  x=1\n  </client>\n</tars>\n', 'p'), exitCode3(/^p line 6: <\/tars> does not close <application>/))
    assert.throws(() => parseTarsConfig('<tars>\n  <application>\n  <client>\n  x=1\n  </client>\n\n', 'p'), exitCode3(/^p line 2: <application> is never closed/))
    assert.throws(() => parseTarsConfig('<tars>\na\\q=1\n</tars>\n', 'p'), exitCode3(/line 2: bad escape/))
    assert.throws(() => parseTarsConfig('<tars\n', 'p'), exitCode3(/line 1: .* no closing '>'/))
  })
})

describe('template chain and merge', () => {
  it('child overrides parent, the server profile overrides both, each value says where it came from', () => {
    const profile = '<tars>\n<application>\n<client>\nrefresh-endpoint-interval=300000\n</client>\n</application>\n</tars>'
    const layers = configLayers(server({templateName: 'plant.cpp', profile}), templates())
    assert.deepEqual(layers.map((l) => l.source), ['template tars.default', 'template tars.cpp.default', 'template plant.cpp', 'profile of Plant.S'])
    const merged = mergeLayers(layers)
    assert.deepEqual(merged.get('async-invoke-timeout'), {value: '2000', source: 'template plant.cpp'})
    assert.deepEqual(merged.get('sync-invoke-timeout'), {value: '3000', source: 'template tars.default'})
    assert.deepEqual(merged.get('refresh-endpoint-interval'), {value: '300000', source: 'profile of Plant.S'})
  })

  it('the Java template over tars.default: 20000 from tars.tarsjava.default', () => {
    const s = clientSettings('java', '1.7.3', configLayers(server({serverType: 'tars_java', templateName: 'tars.tarsjava.default'}), templates()))
    assert.deepEqual({value: s.timeout.value, source: s.timeout.source}, {value: 20000, source: 'template tars.tarsjava.default'})
  })

  it('a loop or a missing parent is one line, exit 3', () => {
    const t = templates()
    t.set('a', {templateName: 'a', parentsName: 'b', profile: ''})
    t.set('b', {templateName: 'b', parentsName: 'a', profile: ''})
    assert.throws(() => configLayers(server({templateName: 'a'}), t), exitCode3(/template loop in t_profile_template: a → b → a/))
    t.set('c', {templateName: 'c', parentsName: 'gone', profile: ''})
    assert.throws(() => configLayers(server({templateName: 'c'}), t), exitCode3(/template 'gone' \(parent of c\) is not in t_profile_template/))
    assert.throws(() => configLayers(server({templateName: 'nope'}), t), exitCode3(/template 'nope' \(the template of Plant\.S/))
  })

  it('a value that is not a positive number is modelled with the default, and a note names it and where it is set', () => {
    const profile = '<tars>\n<application>\n<client>\nasync-invoke-timeout=5s\nrefresh-endpoint-interval=0\n</client>\n</application>\n</tars>'
    const s = clientSettings('cpp', '3.0.22', configLayers(server({profile}), templates()))
    assert.deepEqual([s.timeout.value, s.timeout.source], [5000, 'TarsCpp ≥3.0.22 default'])
    assert.equal(s.refreshEndpointInterval.value, 5000)
    assert.match(s.notes.join('\n'), /async-invoke-timeout=5s \(profile of Plant\.S\) is not a positive number of ms/)
    assert.match(s.notes.join('\n'), /refresh-endpoint-interval=0 \(profile of Plant\.S\)/)
  })

  it('code defaults by language and version, with their source', () => {
    const none = clientSettings('cpp', '3.0.22', [])
    assert.equal(none.timeout.value, 5000)
    assert.equal(none.timeout.source, 'TarsCpp ≥3.0.22 default')
    // TarsCpp's refresh default text "60*1000" reads as 60, raised to its 5000 ms floor; a template under it is raised too.
    assert.deepEqual([none.refreshEndpointInterval.value, none.refreshEndpointInterval.source], [5000, 'TarsCpp ≥3.0.22 default'])
    const fast = clientSettings('cpp', '3.0.22', configLayers(server({profile: '<tars>\n<application>\n<client>\nrefresh-endpoint-interval=1000\n</client>\n</application>\n</tars>'}), templates()))
    assert.deepEqual([fast.refreshEndpointInterval.value, fast.refreshEndpointInterval.source], [5000, 'profile of Plant.S'])
    assert.match(fast.notes.join('\n'), /refresh-endpoint-interval=1000 \(profile of Plant\.S\) is raised by TarsCpp to its minimum, 5000 ms/)
    assert.equal(cppEra('3.0.19').era.breaker.frequenceFailInvoke, 3)
    assert.equal(cppEra('3.0.15').era.breaker.checkTimeoutInterval, 60)
    assert.equal(cppEra('2.4.0').era.breaker.frequenceFailInvoke, 5)
    const unknown = clientSettings('cpp', '', [])
    assert.equal(unknown.version, 'unknown')
    assert.match(unknown.notes.join(' '), /assumed the newest known/)
    assert.equal(clientSettings('cpp', '3.0.22', [], 'sync').timeout.name, 'sync-invoke-timeout')
    assert.equal(clientSettings('go', '1.4.5', [], 'sync').timeout.name, 'async-invoke-timeout')
    assert.equal(clientSettings('nodejs', '2.0.15', []).timeout.value, 30000)
  })
})

describe('the failover model', () => {
  const cpp = clientSettings('cpp', '3.0.22', configLayers(server({}), templates()))
  it('C++ ≥3.0.22, 100 calls/s, 2 of 4 endpoints blackholed: one timeout of its share, then nothing', () => {
    const m = modelCaller(cpp, 100, 4, 2)
    assert.deepEqual([m.detectSeconds, m.failedCalls, m.steadyFailedPerMinute, m.recoverSeconds], [5, 250, 0, 5])
    assert.equal(m.dominant.name, 'async-invoke-timeout')
    assert.equal(m.dominant.source, 'template tars.default')
  })

  it('C++ 3.0.19 waits for 3 consecutive failures spanning 2 s', () => {
    const old = clientSettings('cpp', '3.0.19', [])
    assert.equal(modelCaller(old, 100, 4, 2).detectSeconds, 7)
  })

  it('refused: C++ loses only the calls in flight; the connect rule that decides it is listed with its version\'s source', () => {
    const m = modelCaller(cpp, 100, 4, 2, 'refused')
    assert.equal(m.failedCalls, 2)
    assert.deepEqual(m.dominant, {name: 'maxConnectExc', value: 1, unit: '', source: 'TarsCpp ≥3.0.22 default'})
    assert.ok(cpp.settings.some((s) => s.name === 'maxConnectExc'))
  })

  it('Go on tars.default: 5 consecutive failures and 5 s without a success, checked each second; then a probe per dead endpoint every 30 s', () => {
    const go = clientSettings('go', '1.4.5', configLayers(server({serverType: 'tars_go', templateName: 'tars.default'}), templates()))
    const m = modelCaller(go, 100, 4, 2)
    assert.deepEqual([m.detectSeconds, m.failedCalls, m.steadyFailedPerMinute, m.recoverSeconds], [6.2, 308, 4, 30])
    const r = modelCaller(go, 100, 4, 2, 'refused')
    assert.deepEqual([r.detectSeconds, r.failedCalls, r.steadyFailedPerMinute], [6, 300, 4])
    assert.equal(r.dominant.name, 'check-status-interval')
  })

  it('refused: Java drops the endpoint at once; Node still waits its timeout, then one failed call per retry', () => {
    const java = clientSettings('java', '1.7.3', configLayers(server({serverType: 'tars_java', templateName: 'tars.tarsjava.default'}), templates()))
    const j = modelCaller(java, 100, 4, 2, 'refused')
    assert.deepEqual([j.detectSeconds, j.failedCalls, j.steadyFailedPerMinute], [0, 2, 4])
    const node = clientSettings('nodejs', '2.0.15', configLayers(server({serverType: 'tars_nodejs', templateName: 'tars.default'}), templates()))
    const n = modelCaller(node, 100, 4, 2, 'refused')
    assert.deepEqual([n.detectSeconds, n.failedCalls, n.steadyFailedPerMinute], [5.2, 258, 4])
    // Back by its next reconnect try: refused, none hangs (blackholed, a hanging one can hold it a reconnectInterval).
    assert.equal(n.recoverSeconds, 30)
    assert.equal(modelCaller(node, 100, 4, 2).recoverSeconds, 60)
  })

  it('Java on its template: 20 s per call, then probes', () => {
    const java = clientSettings('java', '1.7.3', configLayers(server({serverType: 'tars_java', templateName: 'tars.tarsjava.default'}), templates()))
    const m = modelCaller(java, 100, 4, 2)
    assert.equal(m.detectSeconds, 22)
    assert.equal(m.failedCalls, 1098)
    assert.equal(m.steadyFailedPerMinute, 4)
  })

  it('Node: 5 consecutive timeouts, then half its share while the network is down', () => {
    const node = clientSettings('nodejs', '2.0.15', configLayers(server({serverType: 'tars_nodejs', templateName: 'tars.default'}), templates()))
    const m = modelCaller(node, 100, 4, 2)
    assert.equal(m.detectSeconds, 5.2)
    assert.equal(m.failedCalls, 258)
    assert.equal(m.steadyFailedPerMinute, 1500)
  })

  it('every endpoint dead: every call fails', () => {
    const m = modelCaller(cpp, 10, 2, 2)
    assert.equal(m.steadyFailedPerMinute, 600)
  })

  it('servers fold into callers by identical settings; PHP and framework servers are left out', () => {
    const rows = [server({serverName: 'A'}), server({serverName: 'B', nodeName: 'n2'}), server({serverName: 'A', nodeName: 'n2'}),
      server({serverName: 'J', serverType: 'tars_java', templateName: 'tars.tarsjava.default'}), server({serverName: 'P', serverType: 'tars_php'}), server({application: 'tars', serverName: 'tarsnode'})]
    const {clients, skipped} = serverClients(rows, [...templates().values()], 'async')
    assert.deepEqual([...clients.keys()], ['Plant.A', 'Plant.B', 'Plant.J'])
    assert.deepEqual(skipped, ['Plant.P (tars_php)'])
    const callers = foldCallers(clients.values(), 10, '--rate')
    assert.deepEqual(callers.map((c) => c.caller), ['Plant.A, Plant.B', 'Plant.J'])
  })
})
