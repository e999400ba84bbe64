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

export function samlAuthnContextClass(amr: readonly string[] | undefined): string {
  if (amr?.includes('mfa')) return ACR_MULTI_FACTOR;
  return amr?.includes(AMR_BADGE) || amr?.includes(AMR_PICTURES) ? SAML_UNSPECIFIED : SAML_PASSWORD;
}

/** Whether an app's acr_values ask for more than a password. */
export function asksForMultiFactor(acrValues: unknown): boolean {
  return typeof acrValues === 'string' && acrValues.split(' ').includes(ACR_MULTI_FACTOR);
}
