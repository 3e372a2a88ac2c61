/**
 * The `--version` line, exactly as oclif prints it (config.userAgent): name/version platform-arch
 * node-version, with "wsl" for the platform under WSL. Answered by src/boot.ts before the program is
 * even compiled: a version check in a script loop costs a bare Node start.
 */
import {arch, platform} from 'node:os'

import isWsl from 'is-wsl'

export function versionLine(pjson: {name: string; version: string}): string {
  const os = platform() === 'linux' && isWsl ? 'wsl' : platform()
  const cpu = arch() === 'ia32' ? 'x86' : arch()
  return `${pjson.name}/${pjson.version} ${os}-${cpu} node-${process.version}`
}
