/**
 * Readiness figures of a group of students (the district, a school, a grade, a class). A student is ready for the
 * first day when the account is claimed and has been used to sign in at least once.
 */
export interface Figures {
  /** Active student accounts. */
  active: number;
  /** Claimed: the student has set a password. */
  claimed: number;
  /** Signed in at least once. */
  signedIn: number;
  /** Claimed and signed in at least once. */
  ready: number;
}

export const NO_FIGURES: Figures = Object.freeze({ active: 0, claimed: 0, signedIn: 0, ready: 0 });

export function addFigures(a: Figures, b: Figures): Figures {
  return { active: a.active + b.active, claimed: a.claimed + b.claimed, signedIn: a.signedIn + b.signedIn, ready: a.ready + b.ready };
}

export function notReady(figures: Figures): number {
  return figures.active - figures.ready;
}

/**
 * part / whole to a tenth of a percent (as a fraction: 0.667 for 2 of 3), except that it never rounds to 100 % while
 * someone is missing (99.9 %), nor to 0 % when someone is there (0.1 %); null when the group is empty.
 */
export function share(part: number, whole: number): number | null {
  if (whole <= 0) return null;
  const rounded = Math.round((part * 1000) / whole) / 1000;
  if (rounded === 1 && part < whole) return 0.999;
  if (rounded === 0 && part > 0) return 0.001;
  return rounded;
}

/** The figures a page shows, with their shares. */
export interface FiguresView extends Figures {
  notReady: number;
  claimedShare: number | null;
  signedInShare: number | null;
  readyShare: number | null;
}

export function view(figures: Figures): FiguresView {
  return {
    ...figures,
    notReady: notReady(figures),
    claimedShare: share(figures.claimed, figures.active),
    signedInShare: share(figures.signedIn, figures.active),
    readyShare: share(figures.ready, figures.active),
  };
}
