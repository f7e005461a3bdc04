/** The custom attributes a member's Cognito user carries; only the API writes them. */
export const TENANT_ATTRIBUTE = 'custom:tenant_id';
export const MEMBER_ATTRIBUTE = 'custom:member_id';
