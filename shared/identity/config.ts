import { readEnv, required } from '../platform/config.ts';

/**
 * The Cognito user pool members sign in to, read once at cold start. `USER_POOL_ISSUER` is the
 * pool's token issuer (`https://cognito-idp.<region>.amazonaws.com/<pool id>` in AWS, the local
 * stand-in's address on one machine); its signing keys are at `<issuer>/.well-known/jwks.json`.
 */
export const identityConfig = readEnv({
  USER_POOL_ID: required(),
  USER_POOL_CLIENT_ID: required(),
  USER_POOL_ISSUER: required(),
});
