/**
 * `tarsnet traffic` where a person is (a real pseudo-terminal, test/helpers/pty.ts): a name or glob that
 * matches no object opens the searchable list of the database's objects, as `resolve` offers one, and the
 * object picked is read. Without a terminal the same name stays one line on stderr (test/traffic/stat-database.test.ts).
 */
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {PtySession} from '../helpers/pty.js'

describe('traffic picker (a person at a terminal)', () => {
  it('offers the objects for a name that matches none, and reads the one picked', async () => {
    const s = PtySession.cli(['traffic', '--demo', 'Plant.HistoryServer.HistoryOb'])
    try {
      await s.expect("No object is named 'Plant.HistoryServer.HistoryOb': pick one (type to filter)")
      await s.settle()
      s.type('HistoryObj')
      await s.expect(/❯ Plant\.HistoryServer\.HistoryObj/)
      await s.settle()
      s.press('enter')
      const {code, output} = await s.exit()
      assert.equal(code, 1, output)
      assert.match(output, /Plant\.AlarmServer\s+tars_nodejs\s+stuck/)
      assert.match(output, /DEGRADED: 1 object with traffic/)
    } finally {
      s.kill()
    }
  })
})
