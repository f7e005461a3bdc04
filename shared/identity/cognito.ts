import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';

/** One client per process. Locally AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER points it at the stand-in. */
export const cognito = new CognitoIdentityProviderClient({});

/** The custom attributes a member's Cognito user carries; only the API writes them. */
export const TENANT_ATTRIBUTE = 'custom:tenant_id';
export const MEMBER_ATTRIBUTE = 'custom:member_id';
