/**
 * What the TLS tests put in a TLS server of their own (MariaDbInstance.start(tag, {tls: true})): one node,
 * and a user that may only connect over TLS (REQUIRE SSL), so a connection that gets in used TLS.
 */
import type {MariaDbInstance} from './mariadb-instance.js'

export const TLS_NODE = '10.10.0.1'

/** Adds the node and the user `tlsonly`; returns the URL of db_tars as that user, with `query` appended. */
export async function addTlsOnlyUser(server: MariaDbInstance): Promise<(query: string) => string> {
  const conn = await server.connect({multipleStatements: true})
  try {
    await conn.query(`INSERT INTO t_node_info (node_name, ip_list, present_state, last_heartbeat) VALUES ('${TLS_NODE}', '10.10.0.1,10.20.0.1', 'active', NOW())`)
    // Named hosts too: a fresh install's anonymous ''@'localhost' would otherwise shadow 'tlsonly'@'%'.
    for (const host of ['%', 'localhost', '127.0.0.1']) {
      await conn.query(`CREATE USER 'tlsonly'@'${host}' IDENTIFIED BY 'pw' REQUIRE SSL; GRANT SELECT ON db_tars.* TO 'tlsonly'@'${host}'`)
    }
  } finally {
    await conn.end()
  }
  return (query) => `mysql://tlsonly:pw@127.0.0.1:${server.port}/db_tars${query}`
}
