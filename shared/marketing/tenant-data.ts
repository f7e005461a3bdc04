import { type Listing, registerExpiringTenantData, registerTenantData } from '../platform/tenant-data.ts';
import { SEND_SHARDS } from './keys.ts';

/**
 * A mailing has the id of what it sends (a campaign, a survey wave): its partition and its send
 * shards belong to that owner. Topic choices and list memberships live in the contacts'
 * partitions; soft-bounce counts, keyed by address, expire after 30 days.
 */
export function mailingListings(mailingId: string): Listing[] {
  return [
    { partition: ['MAILING', mailingId] },
    ...Array.from({ length: SEND_SHARDS }, (_, shard) => ({
      partition: ['MAILING', mailingId, 'SENDS', shard],
    })),
  ];
}

registerTenantData('marketing', [
  { name: 'topics', list: { partition: ['MARKETING-TOPICS'] } },
  { name: 'lists', list: { index: 'GSI1', partition: ['LISTS'] } },
  { name: 'segments', list: { index: 'GSI1', partition: ['SEGMENTS'] } },
  { name: 'templates', list: { index: 'GSI1', partition: ['TEMPLATES'] } },
  {
    name: 'campaigns',
    list: { index: 'GSI1', partition: ['CAMPAIGNS'] },
    related: (item) => ({ listings: item.entity === 'Campaign' ? mailingListings(String(item.id)) : [] }),
  },
  { name: 'newsletters', list: { index: 'GSI1', partition: ['NEWSLETTERS'] } },
]);

registerExpiringTenantData([{ partition: 'SOFT-BOUNCES', days: 30 }]);
