/**
 * A hand-edited snapshot full of control characters (colour codes, a screen clear, NUL, C1 codes,
 * bidirectional overrides) in node names, versions, IP lists, object names and endpoints, and how tests
 * check that human output shows them escaped while tarsnet's own colours stay.
 */
import assert from 'node:assert/strict'

import {adapterRow, nodeRow, serverRow, snapshotOf, writeSnapshot} from './snapshot.js'

/** A node name that can still be typed as an argument (no NUL). */
export const NODE = 'h\u001B[31mred\u001B[2J\u202Eevil'
export const NODE_SHOWN = String.raw`h\x1b[31mred\x1b[2J\u202eevil`
export const APP = 'Bad\u001B[31m'
export const SERVER = 'Srv\u202E'
export const OBJECT = `${APP}.${SERVER}.Obj\u0000\u001B[2J`
export const OBJECT_SHOWN = String.raw`Bad\x1b[31m.Srv\u202e.Obj\x00\x1b[2J`
export const IP_JUNK = '\u001B[31mjunk\u0000\u202E'
export const IP_JUNK_SHOWN = String.raw`\x1b[31mjunk\x00\u202e`
export const VERSION = '3.0\u001B[31m\u0000\u009B2J'
export const VERSION_SHOWN = String.raw`3.0\x1b[31m\x00\x9b2J`
export const ENDPOINT = 'tcp -h 127.0.51.1\u001B[2J -p 1 -t 60000\u202E'
export const ENDPOINT_SHOWN = String.raw`tcp -h 127.0.51.1\x1b[2J -p 1 -t 60000\u202e`

export const ESC = '\u001B'
// eslint-disable-next-line no-control-regex
export const CONTROLS = /[\u0000-\u0009\u000B-\u001F\u007F-\u009F\u061C\u200E\u200F\u2028\u2029\u202A-\u202E\u2066-\u2069]/

/**
 * The hostile node, a healthy n2 (x = 127.0.51.0/24, y = 127.0.52.0/24), Lab.GoodServer.GoodObj on both,
 * an object whose names are hostile and an endpoint string that is: written to a new file, its path returned.
 */
export function writeHostileSnapshot(): string {
  return writeSnapshot(snapshotOf({
    networks: [{name: 'x', cidrs: ['127.0.51.0/24']}, {name: 'y', cidrs: ['127.0.52.0/24']}],
    nodes: [nodeRow(NODE, `127.0.51.1,127.0.52.1,${IP_JUNK}`, {tarsVersion: VERSION}), nodeRow('n2', '127.0.51.2,127.0.52.2')],
    servers: [serverRow('Lab', 'GoodServer', NODE), serverRow('Lab', 'GoodServer', 'n2'), serverRow(APP, SERVER, NODE)],
    adapters: [
      adapterRow('Lab', 'GoodServer', NODE, 'Lab.GoodServer.GoodObj', 'tcp -h 0.0.0.0 -p 20001 -t 60000'),
      adapterRow('Lab', 'GoodServer', 'n2', 'Lab.GoodServer.GoodObj', 'tcp -h 0.0.0.0 -p 20001 -t 60000'),
      adapterRow('Lab', 'GoodServer', NODE, 'Lab.GoodServer.JunkObj', ENDPOINT),
      adapterRow(APP, SERVER, NODE, OBJECT, 'tcp -h 0.0.0.0 -p 20002 -t 60000'),
    ],
  }, 'hand-edited'))
}

/**
 * What paint() writes, and nothing else: a colour (31, 32, 33, 36) closed by 39, or bold/dim (1, 2) closed
 * by 22, around text without escape characters. Output with these removed must hold no control character:
 * a colour code from the data would be left unpaired (or pair with the wrong close) and stay.
 */
export function withoutOwnColour(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001B\[(?:3[1236])m([^\u001B]*)\u001B\[39m|\u001B\[[12]m([^\u001B]*)\u001B\[22m/g, '$1$2')
}

/** No control character on stdout or stderr but tarsnet's own colours. */
export function assertSafe(r: {stdout: string; stderr: string}, what: string): void {
  for (const [name, text] of [['stdout', r.stdout], ['stderr', r.stderr]] as const) {
    const rest = withoutOwnColour(text)
    const at = rest.search(CONTROLS)
    assert.equal(at, -1, `${what}: a raw control character on ${name}: ${JSON.stringify(rest.slice(Math.max(0, at - 40), at + 40))}\n${JSON.stringify(text)}`)
  }
}
