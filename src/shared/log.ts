import pino, { type DestinationStream, type Logger } from 'pino';

/** JSON logs; these paths never reach the output even if someone logs a whole request or body by mistake. */
const REDACT = [
  'password',
  '*.password',
  'confirm',
  '*.confirm',
  'answers',
  '*.answers',
  'client_secret',
  '*.client_secret',
  'secret',
  '*.secret',
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.cookie',
  'headers.authorization',
  'res.headers["set-cookie"]',
  'code',
  'refresh_token',
  'access_token',
  'id_token',
];

/** JSON lines on stdout, or on `destination` (the tests keep the errors of their in-process servers). */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = { level, redact: { paths: REDACT, censor: '[redacted]' }, base: { service: 'homeroom' } };
  return destination ? pino(options, destination) : pino(options);
}

export type { DestinationStream, Logger };
