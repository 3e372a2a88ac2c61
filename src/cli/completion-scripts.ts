/**
 * The shell side of completion: the bash and zsh scripts `tarsnet autocomplete` prints, each calling
 * `tarsnet autocomplete --complete -- WORDS…` (completion.ts) on every Tab, and how to install them.
 */

export const SHELLS = ['bash', 'zsh'] as const
export type Shell = (typeof SHELLS)[number]

/** How to install each shell's script: [what it is for, the command]. */
export const INSTALL: Record<Shell, Array<[string, string]>> = {
  bash: [
    ['Install for bash, with the bash-completion package', 'tarsnet autocomplete bash > ~/.local/share/bash-completion/completions/tarsnet'],
    ['Install for bash, without it', "echo 'source <(tarsnet autocomplete bash)' >> ~/.bashrc"],
  ],
  zsh: [
    ['Install for zsh, in a directory on $fpath (before compinit runs)', 'tarsnet autocomplete zsh > "${fpath[1]}/_tarsnet"'],
    ['Install for zsh, from ~/.zshrc (after compinit)', "echo 'source <(tarsnet autocomplete zsh)' >> ~/.zshrc"],
  ],
}

/** The script for `shell`, calling `bin`. */
export function completionScript(shell: Shell, bin: string): string {
  return shell === 'bash' ? bashScript(bin) : zshScript(bin)
}

/** Said on stderr when the script goes to a terminal: how to install it. */
export function installHint(shell: Shell): string {
  return `\n${INSTALL[shell].map(([what, command]) => `# ${what}:\n${command}`).join('\n')}\n`
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
