/**
 * How a sign-in was made, as apps read it: OIDC `amr` values (RFC 8176) and `acr`, and the SAML
 * AuthnContextClassRef. The REFEDS profiles are what research and education federations, and the apps schools buy
 * through them, already ask for.
 */
export const ACR_SINGLE_FACTOR = 'https://refeds.org/profile/sfa';
export const ACR_MULTI_FACTOR = 'https://refeds.org/profile/mfa';
export const SAML_PASSWORD = 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport';

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

export function samlAuthnContextClass(amr: readonly string[] | undefined): string {
  return amr?.includes('mfa') ? ACR_MULTI_FACTOR : SAML_PASSWORD;
}

/** Whether an app's acr_values ask for more than a password. */
export function asksForMultiFactor(acrValues: unknown): boolean {
  return typeof acrValues === 'string' && acrValues.split(' ').includes(ACR_MULTI_FACTOR);
}
