import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { table as definition } from '../../shared/platform/db/table.ts';

/** Item actions of a reader. Scan is absent on purpose: no code path may scan the table. */
export const READ_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:ConditionCheckItem',
];
export const WRITE_ACTIONS = [
  ...READ_ACTIONS,
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
];

/** The single table, built from shared/platform/db/table.ts like the local one. */
export class DataTable extends Construct {
  readonly table: dynamodb.Table;
  /** The table and each declared index, by exact ARN (no `index/*` wildcard). */
  readonly itemResources: string[];

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const string = dynamodb.AttributeType.STRING;
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: definition.partitionKey, type: string },
      sortKey: { name: definition.sortKey, type: string },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      timeToLiveAttribute: definition.ttlAttribute,
      stream: dynamodb.StreamViewType[definition.streamView],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const index of definition.indexes) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: { name: index.partitionKey, type: string },
        sortKey: { name: index.sortKey, type: string },
        projectionType: dynamodb.ProjectionType.ALL,
      });
    }
    this.itemResources = [
      this.table.tableArn,
      ...definition.indexes.map((index) => `${this.table.tableArn}/index/${index.name}`),
    ];
  }

  /** Grants the item actions of a reader or writer; never Scan (unlike `grantReadWriteData`). */
  grant(principal: iam.IGrantable, access: 'read' | 'write'): void {
    iam.Grant.addToPrincipal({
      grantee: principal,
      actions: access === 'read' ? READ_ACTIONS : WRITE_ACTIONS,
      resourceArns: this.itemResources,
    });
  }
}

/** Keys of the calling tenant: `${aws:PrincipalTag/TenantId}` is substituted by IAM, not JavaScript. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: an IAM policy variable, deliberately literal.
export const TENANT_LEADING_KEYS = 'T#${aws:PrincipalTag/TenantId}#*';

export interface TenantAccessProps {
  data: DataTable;
  /** Roles of the request handlers, the only principals that may assume the tenant access role. */
  trusted: iam.IRole[];
}

/**
 * The role request handlers assume for one tenant, with the tenant id as session tag. Its policy
 * admits only keys that start with `T#<that tenant>#` (dynamodb:LeadingKeys), in the table and in
 * every index, so a bug in a handler cannot read or write another tenant's items.
 */
export class TenantAccess extends Construct {
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: TenantAccessProps) {
    super(scope, id);
    const trusted = new iam.CompositePrincipal(
      ...props.trusted.map((role) => new iam.ArnPrincipal(role.roleArn)),
    );
    this.role = new iam.Role(this, 'Role', {
      description:
        'Assumed by request handlers per tenant; admits only keys of the tenant in its session tag.',
      assumedBy: trusted.withSessionTags().withConditions({
        // The session must carry exactly one tag, a non-empty TenantId.
        StringLike: { 'aws:RequestTag/TenantId': '?*' },
        'ForAllValues:StringEquals': { 'aws:TagKeys': ['TenantId'] },
      }),
      inlinePolicies: {
        TenantItems: new iam.PolicyDocument({
          statements: [
            new iam.PolicyStatement({
              actions: WRITE_ACTIONS,
              resources: props.data.itemResources,
              conditions: {
                'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [TENANT_LEADING_KEYS] },
                // ForAllValues is true for an empty set: require the key to be present at all.
                Null: { 'dynamodb:LeadingKeys': 'false' },
              },
            }),
          ],
        }),
      },
    });
  }

  grantAssume(role: iam.IRole): void {
    iam.Grant.addToPrincipal({
      grantee: role,
      actions: ['sts:AssumeRole', 'sts:TagSession'],
      resourceArns: [this.role.roleArn],
    });
  }
}
