import { randomInt } from 'node:crypto';

/**
 * The pictures of a picture password: three rounds, nine pictures each (animals, food, things), one chosen per round,
 * so 9³ = 729 sequences. Each round draws from its own nine, so a child remembers "my animal, my food, my thing", and
 * a picture never appears in two rounds. The drawings are in public/pictures (CC0); each has a text alternative,
 * `pictures.names.<id>`, in every locale.
 */
export const PICTURE_ROUNDS = [
  ['cat', 'dog', 'fish', 'bird', 'rabbit', 'turtle', 'snail', 'butterfly', 'frog'],
  ['apple', 'banana', 'carrot', 'strawberry', 'cherries', 'grapes', 'watermelon', 'pear', 'icecream'],
  ['car', 'bus', 'boat', 'airplane', 'rocket', 'bicycle', 'sun', 'star', 'balloon'],
] as const;

export const ROUNDS = PICTURE_ROUNDS.length;

export type PictureId = (typeof PICTURE_ROUNDS)[number][number];

/** A picture as a page shows it: its drawing and the message id of its text alternative. */
export interface Picture {
  id: string;
  src: string;
  nameId: string;
}

export function picture(id: string): Picture {
  return { id, src: `/assets/pictures/${id}.svg`, nameId: `pictures.names.${id}` };
}

/** Whether `id` is one of round `round`'s pictures. */
export function inRound(round: number, id: string): boolean {
  return round >= 0 && round < ROUNDS && (PICTURE_ROUNDS[round] as readonly string[]).includes(id);
}

/** A sequence as chosen: one valid picture per round, or null. */
export function validSequence(ids: readonly string[]): string[] | null {
  return ids.length === ROUNDS && ids.every((id, round) => inRound(round, id)) ? [...ids] : null;
}

/** The text the password hasher takes for a sequence: one string, never stored or logged as such. */
export function sequenceSecret(ids: readonly string[]): string {
  return `pictures:${ids.join('/')}`;
}

/** Round `round`'s pictures in a fresh random order (Fisher–Yates with the system's CSPRNG). */
export function shuffledRound(round: number): string[] {
  const ids: string[] = [...PICTURE_ROUNDS[round]];
  for (let i = ids.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [ids[i], ids[j]] = [ids[j], ids[i]];
  }
  return ids;
}

/** Each round's pictures, as the pages that set a sequence show them (in a fixed order: choosing is not signing in). */
export function roundsToChoose(): Picture[][] {
  return PICTURE_ROUNDS.map((ids) => ids.map(picture));
}

/** The three picks of a form that sets a sequence (picture1 … picture3). */
export function picksOf(fields: (name: string) => string): string[] {
  return Array.from({ length: ROUNDS }, (_, i) => fields(`picture${i + 1}`));
}
