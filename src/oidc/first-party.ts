/** Client metadata flag: apps the district registered as its own skip the consent screen. */
export const FIRST_PARTY = 'homeroom_first_party';
