// The failover drill's Tars.js client: a real @tars/rpc Communicator, configured from a Tars config file
// (<tars><application><client> async-invoke-timeout …), calls tars_ping on OBJ (a direct proxy string) at a
// fixed rate, without waiting for answers, and prints once a second one JSON line of what it saw:
// {"t":SECOND,"ok":N,"timeout":N,"exception":N,"by":{"HOST":N,...}} (answers counted per endpoint host).
// Usage: node failover-client.cjs --obj OBJ@ENDPOINTS --rate N --seconds S --conf FILE
'use strict'
const rpc = require('@tars/rpc')
const TarsStream = require('@tars/stream')

const args = {}
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1]
const rate = Number(args.rate)
const seconds = Number(args.seconds)
if (!args.obj || !(rate > 0) || !(seconds > 0) || !args.conf) {
  console.error('usage: failover-client.cjs --obj OBJ@ENDPOINTS --rate N --seconds S --conf FILE')
  process.exit(2)
}

// A client proxy in the shape tars2node generates, with one method: tars_ping.
function PingProxy() {
  this._name = undefined
  this._worker = undefined
}
PingProxy.prototype.tars_ping = function () {
  return this._worker.tars_invoke('tars_ping', new TarsStream.TarsOutputStream().getBinBuffer())
}

const communicator = rpc.Communicator.New()
communicator.initialize(args.conf)
const prx = communicator.stringToProxy(PingProxy, args.obj)
// Tars.js logs every failed retry on the console: the drill reads only its own lines on stdout.
console.info = () => {}
console.log = () => {}

let ok = 0
let timeout = 0
let exception = 0
let by = {}
const REQUEST_TIMEOUT = -13001 // TarsError.CLIENT.REQUEST_TIMEOUT in @tars/rpc

let t = 0
const report = setInterval(() => {
  process.stdout.write(`${JSON.stringify({t: ++t, ok, timeout, exception, by})}\n`)
  ok = timeout = exception = 0
  by = {}
}, 1000)

const start = Date.now()
let sent = 0
const tick = setInterval(() => {
  // Catch up to the fixed rate (timers drift).
  const due = Math.floor(((Date.now() - start) / 1000) * rate)
  for (; sent < due; sent++) {
    prx.tars_ping().then(
      (data) => {
        ok++
        const host = (/-h (\S+)/.exec(String(data.request.RemoteEndpoint.toString())) || [])[1] || "?"
        by[host] = (by[host] || 0) + 1
      },
      (data) => {
        const code = data && data.error ? data.error.code : undefined
        if (code === REQUEST_TIMEOUT) timeout++
        else exception++
      },
    )
  }
  if (Date.now() - start >= seconds * 1000) {
    clearInterval(tick)
    // Let the last calls answer or time out, then stop.
    setTimeout(() => {
      clearInterval(report)
      communicator.destroy()
      process.exit(0)
    }, Number(communicator.getProperty('timeout', 30000)) + 1500)
  }
}, 5)
