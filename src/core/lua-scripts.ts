import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AsesRedis } from './ases-redis';

const SCRIPT_FILE = /^([a-z][a-z0-9-]*)-(\d+)\.lua$/;
const INCLUDE = /^--\s*@include\s+"([a-z0-9-]+)"\s*$/gm;

/** A script's source with each `--@include "name"` line replaced by `includes/name.lua`. */
export function scriptSource(dir: string, file: string): string {
  return readFileSync(join(dir, file), 'utf8').replace(INCLUDE, (_, name: string) =>
    readFileSync(join(dir, 'includes', `${name}.lua`), 'utf8'),
  );
}

/** The ioredis command name of a script file: `create-message-2.lua` → `asesCreateMessage`. */
export function commandNameOf(fileName: string): string {
  const match = SCRIPT_FILE.exec(fileName);
  if (!match) {
    throw new Error(`${fileName}: a Lua script file is named <name>-<number of keys>.lua`);
  }
  return `ases-${match[1]}`.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/**
 * Defines every `<name>-<numKeys>.lua` file of `dir` as an ioredis command (`asesName`), as
 * BullMQ does: the key count comes from the file name, so a script and its caller cannot
 * disagree about it. The files ship in the build beside the compiled code (nest-cli assets).
 * Shared Lua functions live in `includes/` and are pasted in by `--@include "name"` lines, as
 * BullMQ's `--- @include` does. Defining is idempotent, so repositories may share a connection.
 */
export function defineScripts(redis: AsesRedis, dir: string): string[] {
  const names: string[] = [];
  for (const file of readdirSync(dir).sort()) {
    const match = SCRIPT_FILE.exec(file);
    if (!match) {
      continue;
    }
    const name = commandNameOf(file);
    redis.defineCommand(name, {
      numberOfKeys: Number(match[2]),
      lua: scriptSource(dir, file),
    });
    names.push(name);
  }
  return names;
}
