import {Args, Flags} from '@oclif/core'

import {UserError} from '../core/errors.js'
import {BaseCommand} from '../cli/base-command.js'
import {complete} from '../cli/completion.js'
import {completionScript, INSTALL, installHint, SHELLS, type Shell} from '../cli/completion-scripts.js'

export default class Autocomplete extends BaseCommand<typeof Autocomplete> {
  static override summary = 'Print the shell completion script for bash or zsh.'
  static override description = `Completes commands, flags, flag values, profile names and — from the profile's names cache, or the snapshot or demo named on the line — node and object names. The cache is kept by tarsnet itself: every command that reads the whole node or object list (nodes list, probe, snapshot save…) refreshes it; completion never queries the database.
Install it as the examples show, then open a new shell. The script runs \`tarsnet autocomplete --complete\` on each Tab, a start-up of tarsnet without oclif.`

  static override examples = [
    {description: 'Try it in this shell only', command: 'source <(<%= config.bin %> <%= command.id %> bash)'},
    ...[...INSTALL.bash, ...INSTALL.zsh].map(([description, command]) => ({description, command})),
  ]

  static override enableJsonFlag = false
  // Only --debug of the shared flags: completion reads no cluster (typed as the full set BaseCommand declares).
  static override baseFlags = {debug: BaseCommand.baseFlags.debug} as unknown as typeof BaseCommand.baseFlags
  static override args = {
    shell: Args.string({options: [...SHELLS], description: 'bash or zsh (default: the login shell, $SHELL)'}),
  }

  static override flags = {
    complete: Flags.boolean({hidden: true, summary: 'Print completions for the words after --, one per line (called by the scripts).'}),
  }

  public override async init(): Promise<void> {
    // `--complete -- WORDS…`: the words are a command line being completed, not this command's arguments.
    // (src/main.ts answers this before oclif loads; this is the same answer under bin/dev.js.)
    if (this.argv[0] === '--complete') {
      const words = this.argv.slice(this.argv.indexOf('--') + 1)
      this.io.out.write(complete(words, {manifest: {commands: Object.fromEntries(this.config.commands.map((c) => [c.id, c]))}, pjson: this.config.pjson, env: this.io.env}))
      this.completed = true
      this.parsed = true // nothing of ours to parse: the words belong to the line being completed
      return
    }
    await super.init()
  }

  private completed = false

  async run(): Promise<void> {
    if (this.completed) return
    const login = (this.io.env.SHELL ?? '').split('/').pop() ?? ''
    const shell = this.args.shell ?? login
    if (!(SHELLS as readonly string[]).includes(shell)) {
      throw new UserError(this.args.shell
        ? `no completion for ${shell}: tarsnet completes in bash and zsh (tarsnet autocomplete bash|zsh)`
        : `say which shell: tarsnet autocomplete bash|zsh (the login shell ${login ? `"${login}"` : '($SHELL unset)'} is not one of them)`, {code: 'invalid_argument'})
    }
    this.io.out.write(completionScript(shell as Shell, this.config.bin))
    if (this.io.stdoutIsTTY) this.io.err.write(installHint(shell as Shell))
  }
}
