import { describe, it, expect } from 'vitest';
import { splitText, TEXT_BODY_LIMIT } from './split-text.js';

describe('splitText', () => {
  it('returns a text within the limit unchanged', () => {
    expect(TEXT_BODY_LIMIT).toBe(4096);
    expect(splitText('hello')).toEqual(['hello']);
    expect(splitText('x'.repeat(4096))).toEqual(['x'.repeat(4096)]);
    expect(splitText('abcd', 4)).toEqual(['abcd']);
  });

  it('returns nothing for a blank text', () => {
    expect(splitText('')).toEqual([]);
    expect(splitText(' \n ')).toEqual([]);
  });

  it('splits on paragraph breaks first', () => {
    const first = 'First paragraph. It has two sentences.';
    const second = 'Second one. Also two.';
    expect(splitText(`${first}\n\n${second}`, 45)).toEqual([first, second]);
    expect(splitText(`${first}\r\n \r\n${second}`, 45)).toEqual([first, second]);
  });

  it('splits on line breaks when a paragraph is too long', () => {
    const text = '- apples and pears\n- bananas and kiwis\n- grapes';
    expect(splitText(text, 40)).toEqual(['- apples and pears\n- bananas and kiwis', '- grapes']);
  });

  it('splits on sentence ends, then on whitespace', () => {
    expect(splitText('One sentence here. Another one follows. And a third.', 40)).toEqual([
      'One sentence here. Another one follows.',
      'And a third.',
    ]);
    expect(splitText('¿Qué tal? Muy bien, gracias por preguntar hoy.', 30)).toEqual([
      '¿Qué tal? Muy bien, gracias',
      'por preguntar hoy.',
    ]);
    expect(splitText('هل أنت بخير؟ نعم أنا بخير شكرا لك', 20)).toEqual(['هل أنت بخير؟', 'نعم أنا بخير شكرا لك']);
    expect(splitText('今日は晴れです。明日は雨です。', 10)).toEqual(['今日は晴れです。', '明日は雨です。']);
  });

  it('keeps parts at least half full rather than cutting at an early boundary', () => {
    const text = `Hi.\n\n${'word '.repeat(30)}`.trim();
    const parts = splitText(text, 100);
    expect(parts[0]!.startsWith('Hi.\n\nword word')).toBe(true);
    expect(parts[0]!.length).toBeGreaterThanOrEqual(50);
    expect(parts.join(' ').replace(/\s+/g, ' ')).toBe(text.replace(/\s+/g, ' '));
  });

  it('cuts hard when there is no whitespace, never inside a surrogate pair', () => {
    expect(splitText('abcdefghij', 4)).toEqual(['abcd', 'efgh', 'ij']);
    const emoji = '😀'.repeat(5); // 10 code units
    const parts = splitText(emoji, 3);
    expect(parts).toEqual(['😀', '😀', '😀', '😀', '😀']);
    expect(splitText(`a${emoji}`, 4)).toEqual(['a😀', '😀😀', '😀😀']);
  });

  it('splits a long reply into full parts that end on paragraph breaks and keep every word', () => {
    const paragraph = 'Our clinic opens at 8 am. We accept most insurance plans! Call us anytime?';
    const text = Array.from({ length: 200 }, (_, number) => `${number}: ${paragraph}`).join('\n\n');
    const parts = splitText(text);
    expect(parts.map((part) => part.length)).toEqual([4068, 4080, 4048, 3886]);
    for (const part of parts) {
      expect(part.length).toBeGreaterThan(2048);
      expect(part.length).toBeLessThanOrEqual(4096);
      expect(part).toMatch(/^\d+: Our clinic[^]*Call us anytime\?$/);
    }
    expect(parts.join('\n\n')).toBe(text);
  });

  it('rejects a limit below 2', () => {
    expect(() => splitText('abc', 1)).toThrow(RangeError);
  });
});
