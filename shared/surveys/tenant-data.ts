import { mailingListings } from '../marketing/tenant-data.ts';
import { registerSecrets, registerTenantData } from '../platform/tenant-data.ts';
import { invitationKeys } from './keys.ts';

/**
 * A survey's partition (revisions, waves, aggregates), its responses, and each wave's mailing;
 * invitations are listed per contact, with their invitee and code guards.
 */
registerTenantData('surveys', [
  {
    name: 'surveys',
    list: { index: 'GSI1', partition: ['SURVEYS'] },
    related: (item) => {
      if (item.entity === 'Survey')
        return { listings: [{ index: 'GSI1', partition: ['SURVEY-RESPONSES', String(item.id)] }] };
      if (item.entity === 'SurveyWave') return { listings: mailingListings(String(item.id)) };
      return {};
    },
  },
  {
    name: 'survey-invitations',
    list: { index: 'GSI1', partition: ['CONTACTS'] },
    throughOthers: true,
    related: (item, t) => {
      if (item.entity === 'Contact')
        return { listings: [{ index: 'GSI1', partition: ['SURVEY-INVITATIONS-OF', String(item.id)] }] };
      if (item.entity !== 'SurveyInvitation') return {};
      return {
        keys: [
          invitationKeys.invitee(t, String(item.waveId), String(item.contactId)),
          ...(typeof item.code === 'string' ? [invitationKeys.code(t, item.code)] : []),
        ],
      };
    },
  },
]);

// A paper letter's code opens the survey for whoever holds it.
registerSecrets('SurveyInvitation', ['code']);
registerSecrets('SurveyCode', 'item');
