import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commandNameOf, scriptSource } from './lua-scripts';

describe('Lua script files', () => {
  it('name their command after the file, which also says how many keys the script takes', () => {
    expect(commandNameOf('status-apply-1.lua')).toBe('asesStatusApply');
    expect(commandNameOf('budget-reserve-2.lua')).toBe('asesBudgetReserve');
    expect(() => commandNameOf('apply.lua')).toThrow('<name>-<number of keys>.lua');
  });

  it('paste each --@include "name" line with includes/name.lua', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ases-lua-'));
    mkdirSync(join(dir, 'includes'));
    writeFileSync(join(dir, 'includes', 'shared.lua'), 'local function one() return 1 end');
    writeFileSync(join(dir, 'thing-1.lua'), '--@include "shared"\nreturn one()\n');
    expect(scriptSource(dir, 'thing-1.lua')).toBe(
      'local function one() return 1 end\nreturn one()\n',
    );
  });
});
