import { newMessageId } from './message-id';
import { RECORD_SHARDS, recordLocation, SES_INDEX_SHARDS, sesIndexKey } from './record-location';

describe('record locations', () => {
  it('put an id of its own in the bucket of its queue minute, the job under the same tag', () => {
    const at = Date.UTC(2026, 11, 1, 10, 30, 15, 250);
    const id = newMessageId(at);
    const location = recordLocation('ases:', id);
    const minute = Math.floor(at / 60_000).toString(36);
    expect(location).toEqual({
      key: expect.stringMatching(new RegExp(`^ases:r:\\{${minute}\\.\\d{1,2}\\}$`)),
      field: id.slice(9),
      tag: expect.stringMatching(new RegExp(`^${minute}\\.`)),
      base: at,
    });
    expect(location.key).toBe(`ases:r:{${location.tag}}`);
  });

  it('give a caller-given id a key of its own, hash-tagged by the id', () => {
    expect(recordLocation('p:', 'order-1')).toEqual({
      key: 'p:u:{order-1}',
      field: '',
      tag: 'order-1',
      base: 0,
    });
  });

  it('spread records and index entries evenly over their shards', () => {
    const at = Date.UTC(2026, 11, 1, 10, 30);
    const records = new Map<string, number>();
    for (let i = 0; i < 32_000; i += 1) {
      const { key } = recordLocation('', newMessageId(at));
      records.set(key, (records.get(key) ?? 0) + 1);
    }
    expect(records.size).toBe(RECORD_SHARDS);
    for (const count of records.values()) {
      expect(count).toBeGreaterThan(1_700);
      expect(count).toBeLessThan(2_300);
    }
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const index = new Set([...alphabet].map((c) => sesIndexKey('', at, `${c}AAAAAAA`)));
    expect(index.size).toBe(SES_INDEX_SHARDS);
  });
});
