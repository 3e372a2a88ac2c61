/**
 * Reading Tars request frames off a socket, as a lab server does: every whole frame is decoded (our codec,
 * src/tars/ping.ts) and handed over in order; a partial one waits for the rest of its bytes.
 */
import type {Socket} from 'node:net'

import {decodeRequestBody, frameStatus, type RequestPacket} from '../../src/tars/ping.js'

export function onRequests(socket: Socket, handle: (request: RequestPacket) => void): void {
  let rx = Buffer.alloc(0)
  socket.on('data', (chunk) => {
    rx = Buffer.concat([rx, chunk])
    for (;;) {
      const st = frameStatus(rx)
      if (!st.complete) return
      const request = decodeRequestBody(rx.subarray(4, st.length))
      rx = rx.subarray(st.length)
      handle(request)
    }
  })
}
