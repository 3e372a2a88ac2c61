/**
 * TLS where the URL asks for it, against a real second MariaDB started by the test with its own
 * self-signed certificate and a user that may only connect over TLS (REQUIRE SSL). The single file and the
 * executable over TLS are in test/e2e/bundle.test.ts.
 */
import assert from 'node:assert/strict'
import {after, before, describe, it} from 'node:test'

import {MariaDbInstance, noSecondServer} from '../helpers/mariadb-instance.js'
import {runCommand} from '../helpers/run.js'
import {addTlsOnlyUser, TLS_NODE} from '../helpers/tls-db.js'

describe('TLS to the database', {skip: noSecondServer}, () => {
  let server: MariaDbInstance
  let url: (query: string) => string

  before(async () => {
    server = await MariaDbInstance.start('tls', {tls: true})
    url = await addTlsOnlyUser(server)
  })

  after(() => server?.stop())

  it('connects over TLS with the CA given, verifying the certificate', async () => {
    const r = await runCommand(['nodes', 'list', '--json', '--db', url(`?ssl=true&ssl-ca=${server.caFile}`)])
    assert.equal(r.code, 0, r.stdout + r.stderr)
    assert.equal(r.json().nodes[0].name, TLS_NODE)
    assert.equal(r.stderr, '', 'nothing on stderr (reading the CA file once printed an ExperimentalWarning of vm)')
  })

  it('refuses a certificate it cannot verify', async () => {
    const r = await runCommand(['nodes', 'list', '--db', url('?ssl=true')])
    assert.notEqual(r.code, 0)
    assert.match(r.stderr, /cannot reach the database: 127\.0\.0\.1:\d+ \(.*(certificate|self.signed)/i)
  })

  it('skip-verify still encrypts (a REQUIRE SSL user gets in)', async () => {
    const r = await runCommand(['nodes', 'list', '--json', '--db', url('?ssl=skip-verify')])
    assert.equal(r.code, 0, r.stdout + r.stderr)
  })

  it('without ssl the same user is refused: the other cases really used TLS', async () => {
    const r = await runCommand(['nodes', 'list', '--db', url('')])
    assert.notEqual(r.code, 0)
    assert.match(r.stderr, /denied access to user "tlsonly"/)
    assert.doesNotMatch(r.stderr, /pw@/)
  })
})
