import {Flags} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import {takeSnapshot, writeSnapshotFile} from '../../store/snapshot-save.js'

export interface SnapshotSaveResult {
  file: string | null
  takenAt: string
  source: string
  counts: Record<string, number>
}

export default class SnapshotSave extends BaseCommand<typeof SnapshotSave> {
  static override summary = 'Save the rows tarsnet reads to a JSON file, for when the database is unreachable.'
  static override description = `Writes nodes, servers, adapters, registry servants and IDC group tables, plus when and from where they were taken.
Every read command takes --snapshot FILE to use it instead of the database. Keep a recent one on the jump host: during a network incident the database may answer on neither network.`

  static override examples = [
    {description: 'Save to a dated file', command: '<%= config.bin %> <%= command.id %> -o db_tars-$(date +%F).json'},
    {description: 'Read it later, with no database', command: '<%= config.bin %> nodes list --snapshot db_tars-2026-11-24.json'},
  ]

  static override flags = {
    output: Flags.string({char: 'o', summary: 'File to write (default: the snapshot is printed to stdout, also with --json).'}),
  }

  async run(): Promise<SnapshotSaveResult | undefined> {
    const store = await this.openStore()
    await this.noteMissingIpListColumn(store)
    const {snapshot, text, counts} = await takeSnapshot(store, this.settings().networks.value)
    const file = this.flags.output
    if (file) {
      writeSnapshotFile(file, text)
      if (!this.jsonEnabled()) this.log(`Saved ${counts.nodes} nodes, ${counts.servers} servers, ${counts.adapters} adapters from ${snapshot.source} to ${file}`)
      return {file, takenAt: snapshot.takenAt, source: snapshot.source, counts}
    }
    // No file: the snapshot itself is the output (with or without --json), ready to redirect;
    // returning nothing keeps oclif from printing a second JSON document after it.
    this.io.out.write(text)
    return undefined
  }
}
