import {Args, Flags} from '@oclif/core'

import {UserError} from '../core/errors.js'
import {BaseCommand} from '../cli/base-command.js'
import {complete} from '../cli/completion.js'

const SHELLS = ['bash', 'zsh'] as const
type Shell = (typeof SHELLS)[number]

/** How to install each shell's script: [what it is for, the command]. */
const INSTALL: Record<Shell, Array<[string, string]>> = {
  bash: [
    ['Install for bash, with the bash-completion package', 'tarsnet autocomplete bash > ~/.local/share/bash-completion/completions/tarsnet'],
    ['Install for bash, without it', "echo 'source <(tarsnet autocomplete bash)' >> ~/.bashrc"],
  ],
  zsh: [
    ['Install for zsh, in a directory on $fpath (before compinit runs)', 'tarsnet autocomplete zsh > "${fpath[1]}/_tarsnet"'],
    ['Install for zsh, from ~/.zshrc (after compinit)', "echo 'source <(tarsnet autocomplete zsh)' >> ~/.zshrc"],
  ],
}

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
      this.io.out.write(complete(words, {manifest: {commands: Object.fromEntries(this.config.commands.map((c) => [c.id, c]))}, pjson: this.config.pjson}))
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
    this.io.out.write(shell === 'bash' ? bashScript(this.config.bin) : zshScript(this.config.bin))
    if (this.io.stdoutIsTTY) this.io.err.write(`\n${INSTALL[shell as Shell].map(([what, command]) => `# ${what}:\n${command}`).join('\n')}\n`)
  }
}

/** bash: the line up to the cursor, split on blanks (COMP_WORDS also splits at ':' and '=', which IPv6 names and --flag=value contain). */
function bashScript(bin: string): string {
  return `# ${bin} completion for bash (${bin} autocomplete --help says how to install it)
_${bin}_complete() {
  local line="\${COMP_LINE:0:COMP_POINT}" out value
  local -a words
  read -r -a words <<< "$line"
  [[ $line =~ [[:space:]]$ ]] && words+=("")
  local full="\${words[\${#words[@]}-1]}" cur="\${COMP_WORDS[COMP_CWORD]}"
  out=$("\${words[0]}" autocomplete --complete -- "\${words[@]:1}" 2>/dev/null) || return 0
  COMPREPLY=()
  if [[ $out == __files__ ]]; then
    compopt -o filenames 2>/dev/null
    while IFS= read -r value; do COMPREPLY+=("$value"); done < <(compgen -f -- "$cur")
    return 0
  fi
  # bash replaces only its own current word: drop what comes before it in ours.
  local strip=$(( \${#full} - \${#cur} ))
  (( strip < 0 )) && strip=0
  while IFS=$'\\t' read -r value _; do
    [[ -n $value ]] && COMPREPLY+=("\${value:strip}")
  done <<< "$out"
  return 0
}
complete -F _${bin}_complete ${bin}
`
}

function zshScript(bin: string): string {
  return `#compdef ${bin}
# ${bin} completion for zsh (${bin} autocomplete --help says how to install it)
_${bin}() {
  local -a lines specs
  local line value
  lines=("\${(@f)$("\${words[1]}" autocomplete --complete -- "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
  if [[ \${lines[1]} == __files__ ]]; then
    _files
    return
  fi
  for line in "\${lines[@]}"; do
    [[ -z $line ]] && continue
    value=\${line%%$'\\t'*}
    specs+=("\${value//:/\\\\:}:\${line#*$'\\t'}")
  done
  _describe -t values ${bin} specs
}
if [[ \${zsh_eval_context[-1]} == loadautofunc ]]; then
  _${bin} "$@"
else
  compdef _${bin} ${bin}
fi
`
}
