// Copies non-TypeScript assets (the demo snapshot) next to the compiled code.
import {cpSync, existsSync} from 'node:fs'

for (const [from, to] of [['src/store/demo-snapshot.json', 'dist/store/demo-snapshot.json']]) {
  if (existsSync(from)) cpSync(from, to)
}
