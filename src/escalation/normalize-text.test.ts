import { describe, it, expect } from 'vitest';
import { normalizeText } from './normalize-text.js';

describe('normalizeText', () => {
  it('removes accents and lower-cases', () => {
    expect(normalizeText('Emergência')).toBe('emergencia');
    expect(normalizeText('ÁRVORE Ñandú Çà')).toBe('arvore nandu ca');
  });

  it('folds compatibility forms', () => {
    expect(normalizeText('ＳＯＳ')).toBe('sos');
    expect(normalizeText('ﬁle')).toBe('file');
    expect(normalizeText('İstanbul')).toBe('istanbul');
  });

  it('removes Arabic diacritics, hamza seats and tatweel', () => {
    expect(normalizeText('عَاجِل')).toBe('عاجل');
    expect(normalizeText('عـــاجل')).toBe('عاجل');
    expect(normalizeText('أهلا')).toBe('اهلا');
  });

  it('keeps text without marks as it is, lower-cased', () => {
    expect(normalizeText('Call me at 10!')).toBe('call me at 10!');
    expect(normalizeText('')).toBe('');
  });
});
