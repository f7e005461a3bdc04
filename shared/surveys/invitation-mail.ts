import type { Content } from '../marketing/content.ts';

/**
 * The invitation email. The pipeline adds the compliance footer (who sends it and why, the
 * tenant's postal address, unsubscribe and preference links) and the one-click unsubscribe headers.
 */
export const INVITATION_CONTENT: Content = {
  subject: '{{survey.title}}',
  html: `<p>Hello {{firstName | "there"}},</p>
<p>{{tenant.name}} would like to know how we are doing for you. The survey takes about two minutes.</p>
<p><a href="{{survey.url}}" style="display:inline-block;padding:10px 20px;background:#1f4e79;color:#fff;text-decoration:none;border-radius:4px">Answer the survey</a></p>
<p>This link is yours alone and works until {{survey.expiresOn}}.</p>
<p>Thank you,<br>{{tenant.name}}</p>`,
  text: `Hello {{firstName | "there"}},

{{tenant.name}} would like to know how we are doing for you. The survey takes about two minutes:

{{survey.url}}

This link is yours alone and works until {{survey.expiresOn}}.

Thank you,
{{tenant.name}}`,
};
