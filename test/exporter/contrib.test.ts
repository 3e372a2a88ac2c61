/**
 * What contrib/ ships works: the alert rules load (promtool check rules) and each alert fires on a
 * synthetic series in its promtool test (and every alert has one); the Grafana dashboard queries only
 * metrics the exporter serves; the systemd unit passes systemd-analyze.
 */
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, it} from 'node:test'

import {HELP} from '../../src/exporter/metrics.js'
import {ROOT} from '../helpers/cli.js'

const RULES = join(ROOT, 'contrib', 'prometheus', 'tarsnet-rules.yml')
const RULE_TESTS = join(ROOT, 'contrib', 'prometheus', 'tarsnet-rules.test.yml')
const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0
const SERVED = ['tarsnet_link_up', 'tarsnet_link_latency_seconds', 'tarsnet_node_networks_up', 'tarsnet_node_networks', 'tarsnet_probe_success', 'tarsnet_probe_duration_seconds', 'tarsnet_probe_timestamp_seconds', 'tarsnet_probe_targets', 'tarsnet_check_findings', 'tarsnet_mesh_source_up', 'tarsnet_mesh_culprit_links', 'tarsnet_link_loss_ratio', 'tarsnet_connect_latency_seconds']

describe('contrib: alert rules, dashboard, systemd unit', () => {
  it('promtool check rules passes on the shipped rules', {skip: has('promtool') ? false : 'no promtool (apt-get install prometheus)'}, () => {
    const r = spawnSync('promtool', ['check', 'rules', RULES], {encoding: 'utf8'})
    assert.equal(r.status, 0, r.stdout + r.stderr)
    assert.match(r.stdout, /SUCCESS: 12 rules found/)
  })

  it('promtool test rules: each alert fires on its synthetic series', {skip: has('promtool') ? false : 'no promtool (apt-get install prometheus)'}, () => {
    const r = spawnSync('promtool', ['test', 'rules', RULE_TESTS], {encoding: 'utf8'})
    assert.equal(r.status, 0, r.stdout + r.stderr)
    // Every alert of the rules has a test case in which it is expected to fire.
    const alerts = [...readFileSync(RULES, 'utf8').matchAll(/^\s*- alert: (\w+)$/gm)].map((m) => m[1])
    const tests = readFileSync(RULE_TESTS, 'utf8')
    for (const alert of alerts) {
      assert.match(tests, new RegExp(`alertname: ${alert}\\n\\s+exp_alerts:\\n\\s+- exp_labels`), `a firing test for ${alert}`)
    }
    assert.deepEqual(alerts, ['TarsnetNodeLostRedundancy', 'TarsnetNetworkDownForMostNodes', 'TarsnetNodeUnreachable', 'TarsnetExporterNotProbing', 'TarsnetExporterDown', 'TarsnetMeshLinkLostRedundancy', 'TarsnetMeshPairCut', 'TarsnetMeshCulprit', 'TarsnetMeshSourceUnreachable', 'TarsnetLinkLossy', 'TarsnetMeshNodeSideLossy', 'TarsnetNetworkLossy'])
    // And a broken expectation makes promtool fail: the tests do check something.
    const dir = mkdtempSync(join(tmpdir(), 'tarsnet-rules-'))
    try {
      writeFileSync(join(dir, 'tarsnet-rules.yml'), readFileSync(RULES))
      writeFileSync(join(dir, 'broken.test.yml'), tests.replace('alertname: TarsnetNodeUnreachable\n        exp_alerts:\n          - exp_labels: {severity: critical, job: tarsnet, instance: "mon1:9731", node: n3}', 'alertname: TarsnetNodeUnreachable\n        exp_alerts:\n          - exp_labels: {severity: critical, job: tarsnet, instance: "mon1:9731", node: n2}'))
      const broken = spawnSync('promtool', ['test', 'rules', join(dir, 'broken.test.yml')], {encoding: 'utf8'})
      assert.notEqual(broken.status, 0)
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  })

  it('the Grafana dashboard is valid JSON and queries only metrics the exporter serves', () => {
    const dashboard = JSON.parse(readFileSync(join(ROOT, 'contrib', 'grafana', 'tarsnet-dashboard.json'), 'utf8'))
    const exprs: string[] = dashboard.panels.flatMap((p: {targets?: Array<{expr: string}>}) => (p.targets ?? []).map((t) => t.expr))
    assert.ok(exprs.length >= 8)
    for (const expr of exprs) {
      for (const m of expr.matchAll(/\btarsnet_\w+/g)) assert.ok(SERVED.includes(m[0]), `${m[0]} in ${expr}`)
    }
    assert.ok(dashboard.panels.some((p: {type: string; transformations?: Array<{id: string}>}) => p.type === 'table' && p.transformations?.some((t) => t.id === 'groupingToMatrix')), 'the node × network matrix')
    assert.ok(dashboard.panels.some((p: {type: string}) => p.type === 'status-history'), 'the node × network heatmap over time')
    // The host's own view and the nodes' view stay apart: every link panel says which it shows.
    for (const expr of exprs.filter((e) => /tarsnet_link_/.test(e))) assert.match(expr, /source(=|!=)"local"/, expr)
    assert.ok(exprs.some((e) => e.includes('tarsnet_mesh_culprit_links')) && exprs.some((e) => e.includes('tarsnet_mesh_source_up')), 'the mesh panels')
    assert.equal(Object.keys(HELP).length, SERVED.length, 'every served metric is listed here')
  })

  it('the systemd unit passes systemd-analyze verify', {skip: has('systemd-analyze') ? false : 'no systemd-analyze on this machine'}, () => {
    const dir = mkdtempSync(join(tmpdir(), 'tarsnet-unit-'))
    try {
      // Pointed at this checkout's CLI: verify checks that the command exists.
      const unit = readFileSync(join(ROOT, 'contrib', 'systemd', 'tarsnet-exporter.service'), 'utf8')
      assert.match(unit, /^ExecStart=\/usr\/local\/bin\/tarsnet exporter$/m)
      writeFileSync(join(dir, 'tarsnet-exporter.service'), unit.replace(/^ExecStart=\/usr\/local\/bin\/tarsnet/m, `ExecStart=${process.execPath} ${join(ROOT, 'bin', 'run.js')}`))
      const r = spawnSync('systemd-analyze', ['verify', join(dir, 'tarsnet-exporter.service')], {encoding: 'utf8'})
      assert.equal(r.status, 0, r.stdout + r.stderr)
      assert.equal(r.stderr.trim(), '')
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  })
})
