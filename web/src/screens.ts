import type { Schemas } from '@funnel/client';
import { type ComponentType, type LazyExoticComponent, lazy } from 'react';
import type { LoaderFunction } from 'react-router';
import {
  apiKeyPage,
  auditPage,
  contactPage,
  firstPageLoader,
  invoicePage,
  leadPage,
  mailingListPage,
  memberPage,
  orderPage,
  purchaseOrderPage,
  quotePage,
  segmentPage,
  surveyPage,
  templatePage,
} from './lists.ts';

export type Role = Schemas['Role'];

/**
 * Every screen of the console, with the roles whose API calls it needs (the roles table of
 * docs/api-conventions.md). Navigation offers a screen only to those roles; a member who opens
 * one anyway (a shared link) sees the API's 403. A new capability adds its screens here: the
 * support case inbox and the managers' report dashboards slot in as groups of their own once
 * their APIs exist.
 */
export type Group = 'Work' | 'Sales' | 'Marketing' | 'Finance' | 'Admin';

export interface Screen {
  path: string;
  title: string;
  group: Group;
  roles: readonly Role[];
  /** Detail screens are reached from lists, not from the navigation. */
  nav?: false;
  component: LazyExoticComponent<ComponentType>;
  /** Reads the screen's first page as the navigation starts; the screen shows once it has it (lists.ts). */
  loader?: LoaderFunction;
}

const all: readonly Role[] = ['admin', 'sales', 'marketing', 'finance', 'support', 'readonly'];
const sales: readonly Role[] = ['admin', 'sales'];
const marketing: readonly Role[] = ['admin', 'marketing'];
const finance: readonly Role[] = ['admin', 'finance'];
const admin: readonly Role[] = ['admin'];

const work = () => import('./screens/work.tsx');
const contacts = () => import('./screens/contacts.tsx');
const salesScreens = () => import('./screens/sales.tsx');
const marketingScreens = () => import('./screens/marketing.tsx');
const financeScreens = () => import('./screens/finance.tsx');
const adminScreens = () => import('./screens/admin.tsx');
const securityScreens = () => import('./screens/security.tsx');

function from<M>(load: () => Promise<M>, name: keyof M) {
  return lazy(async () => ({ default: (await load())[name] as ComponentType }));
}

export const screens: Screen[] = [
  { path: 'today', title: 'Today', group: 'Work', roles: all, component: from(work, 'Today') },
  { path: 'calendar', title: 'Calendar', group: 'Work', roles: all, component: from(work, 'WeekCalendar') },
  {
    path: 'contacts',
    title: 'Contacts',
    group: 'Work',
    roles: all,
    loader: firstPageLoader(contactPage),
    component: from(contacts, 'ContactSearch'),
  },
  {
    path: 'security',
    title: 'Two-step sign-in',
    group: 'Work',
    roles: all,
    nav: false,
    component: from(securityScreens, 'TwoStepSignIn'),
  },
  {
    path: 'contacts/new',
    title: 'New contact',
    group: 'Work',
    roles: all,
    nav: false,
    component: from(contacts, 'NewContact'),
  },
  {
    path: 'contacts/:id',
    title: 'Contact',
    group: 'Work',
    roles: all,
    nav: false,
    component: from(contacts, 'ContactPage'),
  },
  {
    path: 'leads',
    title: 'Leads',
    group: 'Sales',
    roles: sales,
    loader: firstPageLoader(leadPage),
    component: from(salesScreens, 'LeadInbox'),
  },
  {
    path: 'pipeline',
    title: 'Pipeline',
    group: 'Sales',
    roles: sales,
    component: from(salesScreens, 'PipelineBoard'),
  },
  {
    path: 'quotes',
    title: 'Quotes',
    group: 'Sales',
    roles: sales,
    loader: firstPageLoader(quotePage),
    component: from(salesScreens, 'Quotes'),
  },
  {
    path: 'quotes/new',
    title: 'New quote',
    group: 'Sales',
    roles: sales,
    nav: false,
    component: from(salesScreens, 'QuoteBuilder'),
  },
  {
    path: 'orders',
    title: 'Orders',
    group: 'Sales',
    roles: sales,
    loader: firstPageLoader(orderPage),
    component: from(salesScreens, 'Orders'),
  },
  {
    path: 'stock',
    title: 'Stock',
    group: 'Sales',
    roles: sales,
    component: from(salesScreens, 'StockLevels'),
  },
  {
    path: 'purchase-orders',
    title: 'Purchase orders',
    group: 'Sales',
    roles: sales,
    loader: firstPageLoader(purchaseOrderPage),
    component: from(salesScreens, 'PurchaseOrders'),
  },
  {
    path: 'lists',
    title: 'Lists',
    group: 'Marketing',
    roles: marketing,
    loader: firstPageLoader(mailingListPage),
    component: from(marketingScreens, 'MailingLists'),
  },
  {
    path: 'segments',
    title: 'Segments',
    group: 'Marketing',
    roles: marketing,
    loader: firstPageLoader(segmentPage),
    component: from(marketingScreens, 'Segments'),
  },
  {
    path: 'segments/:id',
    title: 'Segment',
    group: 'Marketing',
    roles: marketing,
    nav: false,
    component: from(marketingScreens, 'SegmentBuilder'),
  },
  {
    path: 'templates',
    title: 'Templates',
    group: 'Marketing',
    roles: marketing,
    loader: firstPageLoader(templatePage),
    component: from(marketingScreens, 'Templates'),
  },
  {
    path: 'campaigns',
    title: 'Campaigns',
    group: 'Marketing',
    roles: marketing,
    component: from(marketingScreens, 'CampaignCalendar'),
  },
  {
    path: 'campaigns/:id',
    title: 'Campaign',
    group: 'Marketing',
    roles: marketing,
    nav: false,
    component: from(marketingScreens, 'CampaignPage'),
  },
  {
    path: 'surveys',
    title: 'Surveys',
    group: 'Marketing',
    roles: marketing,
    loader: firstPageLoader(surveyPage),
    component: from(marketingScreens, 'Surveys'),
  },
  {
    path: 'invoices',
    title: 'Invoices',
    group: 'Finance',
    roles: finance,
    loader: firstPageLoader(invoicePage),
    component: from(financeScreens, 'Invoices'),
  },
  {
    path: 'invoices/:id',
    title: 'Invoice',
    group: 'Finance',
    roles: finance,
    nav: false,
    component: from(financeScreens, 'InvoicePage'),
  },
  {
    path: 'aging',
    title: 'Receivables aging',
    group: 'Finance',
    roles: finance,
    component: from(financeScreens, 'Aging'),
  },
  {
    path: 'dunning',
    title: 'Dunning policy',
    group: 'Finance',
    roles: finance,
    component: from(financeScreens, 'DunningPolicy'),
  },
  {
    path: 'members',
    title: 'Members',
    group: 'Admin',
    roles: admin,
    loader: firstPageLoader(memberPage),
    component: from(adminScreens, 'Members'),
  },
  {
    path: 'api-keys',
    title: 'API keys',
    group: 'Admin',
    roles: admin,
    loader: firstPageLoader(apiKeyPage),
    component: from(adminScreens, 'ApiKeys'),
  },
  {
    path: 'settings',
    title: 'Settings',
    group: 'Admin',
    roles: admin,
    component: from(adminScreens, 'Settings'),
  },
  {
    path: 'audit',
    title: 'Audit log',
    group: 'Admin',
    roles: admin,
    loader: firstPageLoader(auditPage),
    component: from(adminScreens, 'AuditLog'),
  },
];

export const GROUPS: Group[] = ['Work', 'Sales', 'Marketing', 'Finance', 'Admin'];

export function offeredTo(role: Role): Screen[] {
  return screens.filter((s) => s.nav !== false && s.roles.includes(role));
}
