/**
 * tarsnet's config and cache dirs, found the way oclif finds them (Config.configDir / cacheDir), for the
 * code that runs before oclif is loaded: the start-up code cache (src/boot.ts) and shell completion.
 * TARSNET_CONFIG_DIR / TARSNET_CACHE_DIR, else XDG_CONFIG_HOME / XDG_CACHE_HOME, else ~/.config, ~/.cache
 * (~/Library/Caches on macOS), each followed by /tarsnet.
 */
import {homedir, platform} from 'node:os'
import {join} from 'node:path'

export function tarsnetDirs(bin: string, env: NodeJS.ProcessEnv): {configDir: string; cacheDir: string; dataDir: string} {
  const home = env.HOME || homedir()
  const scoped = (key: string) => env[`${bin.replace(/[/-]/g, '_').toUpperCase()}_${key}`]
  const xdg = (category: string) => join(env[`XDG_${category.toUpperCase()}_HOME`] || join(home, `.${category}`), bin)
  return {
    configDir: scoped('CONFIG_DIR') || xdg('config'),
    cacheDir: scoped('CACHE_DIR') || (platform() === 'darwin' ? join(home, 'Library', 'Caches', bin) : xdg('cache')),
    dataDir: scoped('DATA_DIR') || join(env.XDG_DATA_HOME || join(home, '.local', 'share'), bin),
  }
}
