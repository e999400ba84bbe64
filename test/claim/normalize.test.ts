import { exactName, foldAnswer, foldName, foldStudentId } from '../../src/accounts/normalize.js';

describe('name folding (claim matching)', () => {
  test.each([
    ['José', 'Jose'],
    ['JOSÉ', 'jose'],
    ['Núñez', 'nunez'],
    ["O'Connor", 'O’Connor'],
    ["O'Connor", 'OʼConnor'],
    ['Smith-Jones', 'Smith–Jones'],
    ['Smith-Jones', 'Smith‑Jones'],
    ['  Mary   Ann ', 'mary ann'],
    ['Mary\tAnn', 'Mary Ann'],
    ['Zoë', 'Zoe'],
    ['Ærøskøbing', 'ærøskøbing'],
    ['Nguyễn', 'Nguyen'],
    ['Çelik', 'celik'],
    ['Łukasz', 'łukasz'],
    // Composed and decomposed forms of the same letters are the same name.
    ['Élodie', 'E\u0301lodie'],
    // Non-Latin scripts keep their letters; only case and spacing are folded.
    ['山田', ' 山田 '],
    ['Дмитрий', 'дмитрий'],
    ['محمد', 'محمد'],
  ])('%s matches %s', (a, b) => {
    expect(foldName(a)).toBe(foldName(b));
  });

  test.each([
    ['Jon', 'John'],
    ['OConnor', "O'Connor"],
    ['Smith Jones', 'Smith-Jones'],
    ['Ana', 'Anna'],
    // Marks that change a letter in other scripts are kept: が is not か.
    ['やまが', 'やまか'],
    // A Latin M that looks like the Cyrillic one is another letter.
    ['Маша', 'Mаша'],
  ])('%s does not match %s', (a, b) => {
    expect(foldName(a)).not.toBe(foldName(b));
  });

  test('exact matching forgives only surrounding spaces and composition', () => {
    expect(exactName(' Núñez ')).toBe(exactName('Nu\u0301n\u0303ez'));
    expect(exactName('Nunez')).not.toBe(exactName('Núñez'));
    expect(exactName('nunez')).not.toBe(exactName('Nunez'));
  });
});

describe('student ID folding', () => {
  test.each([
    ['123456', '123456'],
    ['0123456', '123456'],
    [' 123 456 ', '123456'],
    ['S0123456', '123456'],
    ['s0123456', '123456'],
    ['S123456', '123456'],
    ['００１２３', '123'],
    ['A0042', 'a0042'],
  ])('%s → %s', (typed, folded) => {
    expect(foldStudentId(typed)).toBe(folded);
  });

  test('an ID of only an S prefix or zeros folds to nothing (never matches)', () => {
    expect(foldStudentId('S0')).toBe('');
    expect(foldStudentId('000')).toBe('');
  });
});

describe('answer folding (challenge questions)', () => {
  test.each([
    ['Fluffy', 'fluffy '],
    ['Montréal', 'montreal'],
    ['Ste-Anne', 'ste anne'],
    ['  Mr.  Whiskers!! ', 'mr whiskers'],
    ["O'Brien", 'o brien'],
    ['Pizza 🍕', 'pizza'],
  ])('%s matches %s', (a, b) => {
    expect(foldAnswer(a)).toBe(foldAnswer(b));
  });

  test('different words stay different', () => {
    expect(foldAnswer('Fluffy')).not.toBe(foldAnswer('Fluff'));
    expect(foldAnswer('Rex')).not.toBe(foldAnswer('Max'));
  });
});
