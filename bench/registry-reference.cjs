// The reference for bench/registry.bench.ts: Tars.js's own QueryF client (@tars/registry's
// QueryFProxy.js over @tars/rpc) asking every registry address about every object, as a script would:
// `loop` awaits each answer before the next question; `all` starts every question, on every address, at once.
// Usage: node registry-reference.cjs loop|all COUNT PREFIX LOCATOR_ENDPOINT...
'use strict'
const rpc = require('@tars/rpc')
const QueryF = require('@tars/registry/QueryFProxy.js').tars

async function main() {
  const [mode, countText, prefix, ...endpoints] = process.argv.slice(2)
  const count = Number(countText)
  const objects = Array.from({length: count}, (_, i) => `${prefix}${i}.Obj`)
  const comm = rpc.Communicator.New()
  let answered = 0
  const proxies = endpoints.map((endpoint) => {
    const proxy = comm.stringToProxy(QueryF.QueryFProxy, `tars.tarsregistry.QueryObj@${endpoint}`)
    proxy.setTimeout(30000) // all at once queues thousands of calls: give them time, nothing here fails
    return proxy
  })
  const ask = (proxy, id) => proxy.findObjectById4Any(id).then((r) => {
    if (r.response.return === 0 && r.response.arguments.activeEp.value.length > 0) answered++
  })
  if (mode === 'loop') {
    for (const proxy of proxies) for (const id of objects) await ask(proxy, id)
  } else {
    await Promise.all(proxies.flatMap((proxy) => objects.map((id) => ask(proxy, id))))
  }
  comm.disconnect()
  if (answered !== count * endpoints.length) throw new Error(`only ${answered} of ${count * endpoints.length} answered`)
  process.exit(0)
}
main().catch((e) => {
  console.error(e && e.response ? JSON.stringify(e.response.error) : e)
  process.exit(1)
})
