/**
 * Every tarsnet command, by id: THE list (oclif's explicit command discovery, package.json
 * `oclif.commands`). The install, the manifest (scripts/manifest.mjs), the single-file bundle and the
 * executable all read this one list; nothing scans src/commands/. A new command is a file under
 * src/commands/ AND a line here (test/commands-list.test.ts fails on a file that is not listed).
 * Ids are the file's path under src/commands/ with ':' for '/', so `tarsnet nodes list` is 'nodes:list'.
 */
import Autocomplete from './commands/autocomplete.js'
import Check from './commands/check.js'
import ConfigShow from './commands/config/show.js'
import DbMigrate from './commands/db/migrate.js'
import Demo from './commands/demo.js'
import Exporter from './commands/exporter.js'
import Failover from './commands/failover.js'
import Impact from './commands/impact.js'
import Init from './commands/init.js'
import Mesh from './commands/mesh.js'
import NodesAddIp from './commands/nodes/add-ip.js'
import NodesDetect from './commands/nodes/detect.js'
import NodesEdit from './commands/nodes/edit.js'
import NodesHistory from './commands/nodes/history.js'
import NodesImport from './commands/nodes/import.js'
import NodesList from './commands/nodes/list.js'
import NodesRemoveIp from './commands/nodes/remove-ip.js'
import NodesSetIps from './commands/nodes/set-ips.js'
import NodesShow from './commands/nodes/show.js'
import Probe from './commands/probe.js'
import RegistryCheck from './commands/registry/check.js'
import Resolve from './commands/resolve.js'
import SnapshotSave from './commands/snapshot/save.js'
import Traffic from './commands/traffic.js'

export const commands = {
  autocomplete: Autocomplete,
  check: Check,
  'config:show': ConfigShow,
  'db:migrate': DbMigrate,
  demo: Demo,
  exporter: Exporter,
  failover: Failover,
  impact: Impact,
  init: Init,
  mesh: Mesh,
  'nodes:add-ip': NodesAddIp,
  'nodes:detect': NodesDetect,
  'nodes:edit': NodesEdit,
  'nodes:history': NodesHistory,
  'nodes:import': NodesImport,
  'nodes:list': NodesList,
  'nodes:remove-ip': NodesRemoveIp,
  'nodes:set-ips': NodesSetIps,
  'nodes:show': NodesShow,
  probe: Probe,
  'registry:check': RegistryCheck,
  resolve: Resolve,
  'snapshot:save': SnapshotSave,
  traffic: Traffic,
}
