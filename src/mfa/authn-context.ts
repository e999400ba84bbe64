/**
 * How a sign-in was made, as apps read it: OIDC `amr` values (RFC 8176) and `acr`, and the SAML
 * AuthnContextClassRef. The REFEDS profiles are what research and education federations, and the apps schools buy
 * through them, already ask for.
 */
export const ACR_SINGLE_FACTOR = 'https://refeds.org/profile/sfa';
export const ACR_MULTI_FACTOR = 'https://refeds.org/profile/mfa';
export const SAML_PASSWORD = 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport';
export const SAML_UNSPECIFIED = 'urn:oasis:names:tc:SAML:2.0:ac:classes:unspecified';
/**
 * A young student's printed QR badge, and picture password. RFC 8176 has no value for either (a badge is not a
 * smart card, pictures are not a PIN) and allows others: these say plainly what was used, so an app that wants a
 * password can tell.
 */
export const AMR_BADGE = 'badge';
export const AMR_PICTURES = 'pictures';

/** The code-based second factors (a passkey's context depends on what its authenticator checked: see below). */
export type SecondFactorMethod = 'otp' | 'recovery';

export interface AuthnContext {
  amr: string[];
  acr: string;
}

export function passwordOnly(): AuthnContext {
  return { amr: ['pwd'], acr: ACR_SINGLE_FACTOR };
}

/** A recovery code is a one-time password too: `otp`, like the app's codes. */
export function withSecondFactor(_method: SecondFactorMethod): AuthnContext {
  return { amr: ['pwd', 'otp', 'mfa'], acr: ACR_MULTI_FACTOR };
}

export function badgeSignIn(): AuthnContext {
  return { amr: [AMR_BADGE], acr: ACR_SINGLE_FACTOR };
}

export function pictureSignIn(): AuthnContext {
  return { amr: [AMR_PICTURES], acr: ACR_SINGLE_FACTOR };
}

/**
 * A passkey is a key held in hardware (`hwk`). When the authenticator verified its owner it says so without saying
 * how (a PIN, a pattern or a fingerprint): `pin` stands for that check, the one every such authenticator offers;
 * without it, only someone's presence was tested (`user`).
 */
function passkeyAmr(userVerified: boolean): string[] {
  return userVerified ? ['hwk', 'pin'] : ['hwk', 'user'];
}

/** The password, then a passkey: two factors whatever the authenticator checked. */
export function passwordAndPasskey(userVerified: boolean): AuthnContext {
  return { amr: ['pwd', ...passkeyAmr(userVerified), 'mfa'], acr: ACR_MULTI_FACTOR };
}

/** A passkey alone: two factors (the key, and the PIN or biometric that unlocked it) only when the user was verified. */
export function passkeyAlone(userVerified: boolean): AuthnContext {
  return userVerified ? { amr: [...passkeyAmr(true), 'mfa'], acr: ACR_MULTI_FACTOR } : { amr: passkeyAmr(false), acr: ACR_SINGLE_FACTOR };
}

export function samlAuthnContextClass(amr: readonly string[] | undefined): string {
  if (amr?.includes('mfa')) return ACR_MULTI_FACTOR;
  // A badge, pictures, or a passkey without its owner verified: neither a password nor two factors.
  return amr?.length && !amr.includes('pwd') ? SAML_UNSPECIFIED : SAML_PASSWORD;
}

/** Whether an app's acr_values ask for more than a password. */
export function asksForMultiFactor(acrValues: unknown): boolean {
  return typeof acrValues === 'string' && acrValues.split(' ').includes(ACR_MULTI_FACTOR);
}
