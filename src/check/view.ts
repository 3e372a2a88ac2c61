/**
 * The person's view of a check: the findings by severity, each severity a table and what to do per code,
 * then one line of counts (or that there is no finding); and what one finding code means. JSON is the
 * result itself.
 */
import {CODES, SEVERITIES, type CheckResult, type Finding, type explainCode} from '../core/check.js'
import {NOTHING} from '../core/names.js'
import type {Screen} from '../platform/paint.js'
import {renderTable} from '../platform/table.js'

export function checkLines(result: CheckResult, screen: Screen): string[] {
  const {checked, counts} = result
  const {paint} = screen
  const what = `${checked.nodes} node${checked.nodes === 1 ? '' : 's'}, ${checked.objects} object${checked.objects === 1 ? '' : 's'}, networks ${checked.networks.join(', ') || NOTHING}`
  if (result.findings.length === 0) return [`${paint('green', 'No findings')}: ${what}.`]
  const lines: string[] = []
  const tone = {critical: 'red', warning: 'yellow', info: 'dim'} as const
  for (const severity of SEVERITIES) {
    const list = result.findings.filter((f) => f.severity === severity)
    if (list.length === 0) continue
    lines.push(paint(tone[severity], `${severity.toUpperCase()} (${list.length})`))
    lines.push(renderTable(['CODE', 'NODE', 'OBJECT', 'NETWORK', 'FINDING'], list.map((f: Finding) => [f.code, f.node ?? '', f.object ?? '', f.network ?? '', f.message]), {width: screen.width}))
    lines.push('What to do:')
    for (const code of new Set(list.map((f) => f.code))) lines.push(`  ${code}: ${CODES[code].todo}`)
    lines.push('')
  }
  lines.push(`${counts.critical} critical, ${counts.warning} warning${counts.warning === 1 ? '' : 's'}, ${counts.info} info on ${what}. \`tarsnet check --explain CODE\` for more.`)
  return lines
}

/** `check --explain CODE`. */
export function explainLines(info: ReturnType<typeof explainCode>): string[] {
  return [`${info.code} (${info.severity}): ${info.title}`, '', info.explain, '', `What to do: ${info.todo}`]
}
