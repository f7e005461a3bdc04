import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';

/** One client per process. Locally AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER points it at the stand-in. */
export const cognito = new CognitoIdentityProviderClient({});
