import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { LambdaDestination } from 'aws-cdk-lib/aws-s3-notifications';
import { Construct } from 'constructs';
import type { BucketNotificationSpec, BucketSpec } from '../../functions/app/types.ts';
import { constructId } from './naming.ts';

/**
 * The declared buckets: S3-managed encryption, public access blocked, TLS only, server access logs
 * in one log bucket, lifecycle rules as declared, and retained when the stack is deleted (they hold
 * the warehouse and customers' files). Bucket notifications invoke their functions asynchronously
 * (the stack sends invocations that keep failing to the events dead-letter queue).
 */
export class Storage extends Construct {
  readonly buckets = new Map<string, s3.Bucket>();
  /** Present when a bucket is declared. */
  readonly accessLogs?: s3.Bucket;

  constructor(scope: Construct, id: string, props: { specs: BucketSpec[] }) {
    super(scope, id);
    if (props.specs.length === 0) return;
    const accessLogs = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(365) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.accessLogs = accessLogs;
    for (const spec of props.specs) {
      this.buckets.set(
        spec.name,
        new s3.Bucket(this, constructId(spec.name), {
          encryption: s3.BucketEncryption.S3_MANAGED,
          blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
          enforceSSL: true,
          serverAccessLogsBucket: accessLogs,
          serverAccessLogsPrefix: `${spec.name}/`,
          lifecycleRules: (spec.lifecycle ?? []).map((rule) => ({
            prefix: rule.prefix,
            ...(rule.infrequentAccessAfterDays
              ? {
                  transitions: [
                    {
                      storageClass: s3.StorageClass.INFREQUENT_ACCESS,
                      transitionAfter: Duration.days(rule.infrequentAccessAfterDays),
                    },
                  ],
                }
              : {}),
            ...(rule.expireAfterDays ? { expiration: Duration.days(rule.expireAfterDays) } : {}),
          })),
          removalPolicy: RemovalPolicy.RETAIN,
        }),
      );
    }
  }

  bucket(name: string): s3.Bucket {
    const bucket = this.buckets.get(name);
    if (!bucket) throw new Error(`No declared bucket ${name}.`);
    return bucket;
  }

  /** Physical bucket names by declared name, for the functions' environment. */
  physicalNames(): Record<string, string> {
    return Object.fromEntries([...this.buckets].map(([name, bucket]) => [name, bucket.bucketName]));
  }

  /** `read`: get objects and list keys; `write`: put and delete objects. Nothing on the bucket itself. */
  grant(name: string, role: iam.IRole, access: 'read' | 'write'): void {
    const bucket = this.bucket(name);
    if (access === 'read') {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [bucket.arnForObjects('*')] }),
      );
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn] }),
      );
    } else {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['s3:PutObject', 's3:DeleteObject'],
          resources: [bucket.arnForObjects('*')],
        }),
      );
    }
  }

  notify(bucketName: string, spec: BucketNotificationSpec, target: lambda.IFunction): void {
    const bucket = this.bucket(bucketName);
    const filter = {
      ...(spec.prefix ? { prefix: spec.prefix } : {}),
      ...(spec.suffix ? { suffix: spec.suffix } : {}),
    };
    const destination = new LambdaDestination(target);
    if (spec.events.includes('created'))
      bucket.addEventNotification(s3.EventType.OBJECT_CREATED, destination, filter);
    if (spec.events.includes('removed'))
      bucket.addEventNotification(s3.EventType.OBJECT_REMOVED, destination, filter);
  }
}
