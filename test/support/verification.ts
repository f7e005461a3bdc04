/**
 * Verifying like a user in the suites: the links are read from the mail store and followed,
 * never bypassed (infra/local/verify-by-mail.ts, which the demo tenant and the benchmark use too).
 */
export {
  confirmSesIdentity,
  linkMailedTo,
  SES_VERIFICATION_LINK,
  TENANT_VERIFICATION_LINK,
} from '../../infra/local/verify-by-mail.ts';
