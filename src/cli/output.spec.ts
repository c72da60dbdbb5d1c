import { formatFields, formatTable, percent, plain, truncate } from './output';

describe('output', () => {
  it('pads columns to the widest cell, two spaces apart, without trailing spaces', () => {
    const table = formatTable(
      [{ header: 'ID' }, { header: 'STATUS' }, { header: 'NOTE' }],
      [
        ['a', 'DELIVERED', undefined],
        ['longer-id', 'QUEUED', 'x'],
      ],
    );
    expect(table.split('\n')).toEqual([
      'ID         STATUS     NOTE',
      'a          DELIVERED',
      'longer-id  QUEUED     x',
    ]);
  });

  it('cuts cells past a column maxWidth with an ellipsis', () => {
    const table = formatTable([{ header: 'R', maxWidth: 5 }], [['abcdefgh'], ['abc']]);
    expect(table.split('\n')).toEqual(['R', 'abcd…', 'abc']);
    expect(truncate('abcdef', 6)).toBe('abcdef');
  });

  it('never lets a control character through (an ANSI escape, a line break)', () => {
    expect(plain('a\u001b[31mred\r\nnext\u0085')).toBe('a [31mred  next ');
    expect(formatTable([{ header: 'X' }], [['1\n2']]).split('\n')).toEqual(['X', '1 2']);
  });

  it('aligns labelled fields and leaves out empty ones', () => {
    expect(
      formatFields([
        ['ID', 'm1'],
        ['Subject', undefined],
        ['SES id', null],
        ['Attempts', 0],
        ['Status', 'PUSHED'],
      ]),
    ).toBe(['ID:        m1', 'Attempts:  0', 'Status:    PUSHED'].join('\n'));
  });

  it('shows ratios as percentages', () => {
    expect(percent(0.01234)).toBe('1.23%');
    expect(percent(0)).toBe('0.00%');
    expect(percent(undefined)).toBe('');
  });
});
