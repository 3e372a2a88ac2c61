/**
 * The completion scripts `tarsnet autocomplete bash|zsh` prints, sourced in real bash and zsh on a
 * pseudo-terminal, pressing Tab: each Tab starts the built CLI (`autocomplete --complete`). The engine and
 * the names it offers: test/cli/completion.test.ts.
 */
import {existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, describe, it} from 'node:test'

import {BIN} from '../helpers/cli.js'
import {PtySession} from '../helpers/pty.js'

describe('completion in real shells, pressing Tab', () => {
  // What completion reads: a config file with two profiles (the shells never reach a database).
  const home = mkdtempSync(join(tmpdir(), 'tarsnet-complete-'))
  const config = join(home, 'config.json')
  const env = {XDG_CACHE_HOME: join(home, 'cache'), TARSNET_CONFIG: config}
  writeFileSync(config, JSON.stringify({defaultProfile: 'mill', profiles: {mill: {db: 'mysql://root@127.0.0.1:1/db_tars', networks: 'a=10.1.0.0/16;b=10.2.0.0/16'}, other: {}}}))
  after(() => rmSync(home, {recursive: true, force: true}))

  // `tarsnet` on PATH is the built CLI; the shells start with no rc files of the machine's.
  const bin = mkdtempSync(join(tmpdir(), 'tarsnet-complete-bin-'))
  symlinkSync(BIN, join(bin, 'tarsnet'))
  after(() => rmSync(bin, {recursive: true, force: true}))
  const shellEnv = (): Record<string, string | undefined> => ({...process.env, PATH: `${bin}:${process.env.PATH}`, HOME: home, ...env, CI: undefined, TERM: 'xterm-256color', PS1: '$ ', PROMPT: '$ ', LANG: 'C.UTF-8'})

  async function tab(shell: PtySession, typed: string, expected: RegExp) {
    shell.type(typed)
    shell.press('tab')
    await shell.expect(expected, 30_000)
    shell.press('ctrl-c')
    // Back at an empty prompt before anything more is typed: a shell still busy with the completion when
    // ^C arrives may take the next keys into the old line (seen once in zsh, on a loaded machine).
    await shell.expect(/[$#] $/, 30_000)
    await shell.settle(300)
  }

  it('bash', async () => {
    const s = PtySession.spawn(['bash', '--norc', '--noprofile', '-i'], {env: shellEnv(), cwd: home})
    try {
      s.line('source <(tarsnet autocomplete bash)')
      s.line('echo sourced')
      await s.expect(/^sourced/m, 30_000)
      await s.settle()
      await tab(s, 'tarsnet nodes li', /tarsnet nodes list/)
      await tab(s, 'tarsnet resolve --demo Plant.Con', /tarsnet resolve --demo Plant\.ControlServer\.ControlObj/)
      await tab(s, 'tarsnet nodes list --sta', /tarsnet nodes list --state/)
      await tab(s, 'tarsnet nodes list --profile mi', /tarsnet nodes list --profile mill/)
      s.line('exit')
      await s.exit()
    } finally {
      s.kill()
    }
  })

  it('zsh', {skip: existsSync('/usr/bin/zsh') || existsSync('/bin/zsh') ? false : 'zsh is not installed (.ci/run installs it)'}, async () => {
    const zdot = join(home, 'zdot')
    mkdirSync(zdot, {recursive: true})
    writeFileSync(join(zdot, '.zshrc'), 'autoload -U compinit && compinit -u\nsource <(tarsnet autocomplete zsh)\necho sourced\n')
    const s = PtySession.spawn(['zsh', '-i'], {env: {...shellEnv(), ZDOTDIR: zdot}, cwd: home})
    try {
      await s.expect(/sourced/, 30_000)
      await s.settle()
      await tab(s, 'tarsnet nodes li', /tarsnet nodes list/)
      await tab(s, 'tarsnet resolve --demo Plant.Con', /Plant\.ControlServer\.ControlObj/)
      await tab(s, 'tarsnet nodes list --sta', /tarsnet nodes list --state/)
      await tab(s, 'tarsnet nodes list --profile mi', /tarsnet nodes list --profile mill/)
      s.line('exit')
      await s.exit()
    } finally {
      s.kill()
    }
  })
})
