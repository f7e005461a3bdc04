import { Aws, Duration, Stack } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import type * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { DeliveryStreamSpec, TableSpec } from '../../functions/app/types.ts';
import { constructId } from './naming.ts';
import type { Storage } from './storage.ts';

/** The per-query limit of the workgroup: a report reading more than this is cancelled by Athena. */
export const BYTES_SCANNED_CUTOFF = 10 * 1024 ** 3;
export const QUERY_RESULTS_PREFIX = 'query-results/';

/**
 * The warehouse on AWS, from the declared tables and delivery streams:
 * - a Glue database and, per table, a Parquet table over its bucket prefix with partition
 *   projection (an `injected` partition, the tenant, must be named by every query; `date`
 *   partitions are projected from 2020 to now), so no crawler and no partition to add;
 * - per delivery stream, Amazon Data Firehose with the transformation function, dynamic
 *   partitioning by the keys it returns, conversion to Parquet through the Glue table, and the
 *   error output prefix; server-side encrypted; logs to CloudWatch;
 * - an Athena workgroup that enforces its result location (encrypted), and a per-query limit on
 *   the bytes scanned.
 */
export class Warehouse extends Construct {
  readonly databaseName: string;
  readonly database: glue.CfnDatabase;
  readonly tables = new Map<string, glue.CfnTable>();
  readonly streams = new Map<string, firehose.CfnDeliveryStream>();
  readonly workgroup: athena.CfnWorkGroup;
  readonly firehoseRole: iam.Role;
  #eventsRole?: iam.Role;

  constructor(
    scope: Construct,
    id: string,
    props: {
      tables: readonly TableSpec[];
      streams: readonly DeliveryStreamSpec[];
      storage: Storage;
      databaseName: string;
      workgroupName: string;
      /** The bucket Athena writes query results to (its `query-results/` prefix). */
      resultsBucket: string;
      transformOf: (name: string) => lambda.IFunction;
    },
  ) {
    super(scope, id);
    const account = Aws.ACCOUNT_ID;
    this.databaseName = props.databaseName;
    this.database = new glue.CfnDatabase(this, 'Database', {
      catalogId: account,
      databaseInput: {
        name: props.databaseName,
        description: 'Funnel CRM warehouse: facts per tenant and day.',
      },
    });

    for (const spec of props.tables) {
      const bucket = props.storage.bucket(spec.bucket);
      const location = `s3://${bucket.bucketName}/${spec.prefix}`;
      const template = `${location}${spec.partitions.map((p) => `${p.name}=\${${p.name}}/`).join('')}`;
      const projection: Record<string, string> = {
        'projection.enabled': 'true',
        'storage.location.template': template,
      };
      for (const p of spec.partitions) {
        if (p.kind === 'injected') projection[`projection.${p.name}.type`] = 'injected';
        else
          Object.assign(projection, {
            [`projection.${p.name}.type`]: 'date',
            [`projection.${p.name}.format`]: 'yyyy-MM-dd',
            [`projection.${p.name}.range`]: '2020-01-01,NOW',
            [`projection.${p.name}.interval`]: '1',
            [`projection.${p.name}.interval.unit`]: 'DAYS',
          });
      }
      const table = new glue.CfnTable(this, `Table${constructId(spec.name)}`, {
        catalogId: account,
        databaseName: props.databaseName,
        tableInput: {
          name: spec.name,
          description: spec.description,
          tableType: 'EXTERNAL_TABLE',
          parameters: { classification: 'parquet', 'parquet.compression': 'SNAPPY', ...projection },
          partitionKeys: spec.partitions.map((p) => ({ name: p.name, type: 'string' })),
          storageDescriptor: {
            location,
            columns: spec.columns.map((c) => ({ name: c.name, type: c.type })),
            inputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
            outputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
            serdeInfo: {
              serializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
            },
          },
        },
      });
      table.addResourceDependency(this.database);
      this.tables.set(spec.name, table);
    }

    this.firehoseRole = new iam.Role(this, 'FirehoseRole', {
      assumedBy: new iam.ServicePrincipal('firehose.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': account } },
      }),
      description:
        'Lets Firehose read the Glue schema, call the transformation and write the warehouse bucket.',
    });
    const logGroup = new logs.LogGroup(this, 'FirehoseLogs', { retention: logs.RetentionDays.ONE_MONTH });
    logGroup.grantWrite(this.firehoseRole);

    for (const spec of props.streams) {
      const tableSpec = props.tables.find((t) => t.name === spec.table)!;
      const bucket = props.storage.bucket(tableSpec.bucket);
      // What Firehose's documentation asks for an S3 destination, on this one bucket.
      this.firehoseRole.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['s3:AbortMultipartUpload', 's3:GetObject', 's3:PutObject'],
          resources: [bucket.arnForObjects('*')],
        }),
      );
      this.firehoseRole.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'],
          resources: [bucket.bucketArn],
        }),
      );
      const transform = props.transformOf(spec.transform);
      this.firehoseRole.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['lambda:InvokeFunction', 'lambda:GetFunctionConfiguration'],
          resources: [transform.functionArn],
        }),
      );
      this.firehoseRole.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['glue:GetTable', 'glue:GetTableVersion', 'glue:GetTableVersions'],
          resources: this.catalogArns(tableSpec.name),
        }),
      );
      const logStream = new logs.LogStream(this, `Logs${constructId(spec.name)}`, { logGroup });
      const stream = new firehose.CfnDeliveryStream(this, `Stream${constructId(spec.name)}`, {
        deliveryStreamName: `${Stack.of(this).stackName}-${spec.name}`,
        deliveryStreamType: 'DirectPut',
        deliveryStreamEncryptionConfigurationInput: { keyType: 'AWS_OWNED_CMK' },
        extendedS3DestinationConfiguration: {
          bucketArn: bucket.bucketArn,
          roleArn: this.firehoseRole.roleArn,
          prefix: spec.prefix,
          errorOutputPrefix: spec.errorPrefix,
          bufferingHints: {
            sizeInMBs: spec.buffering.sizeMb,
            intervalInSeconds: spec.buffering.intervalSeconds,
          },
          // Parquet compresses itself; Firehose's own compression must be off with format conversion.
          compressionFormat: 'UNCOMPRESSED',
          fileExtension: '.parquet',
          dynamicPartitioningConfiguration: { enabled: true, retryOptions: { durationInSeconds: 300 } },
          processingConfiguration: {
            enabled: true,
            processors: [
              {
                type: 'Lambda',
                parameters: [
                  { parameterName: 'LambdaArn', parameterValue: transform.functionArn },
                  { parameterName: 'BufferSizeInMBs', parameterValue: '1' },
                  { parameterName: 'BufferIntervalInSeconds', parameterValue: '60' },
                  { parameterName: 'NumberOfRetries', parameterValue: '3' },
                ],
              },
            ],
          },
          dataFormatConversionConfiguration: {
            enabled: true,
            inputFormatConfiguration: { deserializer: { hiveJsonSerDe: { timestampFormats: ['millis'] } } },
            outputFormatConfiguration: { serializer: { parquetSerDe: { compression: 'SNAPPY' } } },
            schemaConfiguration: {
              catalogId: account,
              databaseName: props.databaseName,
              tableName: tableSpec.name,
              region: Aws.REGION,
              roleArn: this.firehoseRole.roleArn,
              versionId: 'LATEST',
            },
          },
          cloudWatchLoggingOptions: {
            enabled: true,
            logGroupName: logGroup.logGroupName,
            logStreamName: logStream.logStreamName,
          },
        },
      });
      stream.node.addDependency(this.firehoseRole);
      stream.addResourceDependency(this.tables.get(tableSpec.name)!);
      this.streams.set(spec.name, stream);
    }

    const results = props.storage.bucket(props.resultsBucket);
    this.workgroup = new athena.CfnWorkGroup(this, 'WorkGroup', {
      name: props.workgroupName,
      description: 'Reports and analytics on the warehouse.',
      recursiveDeleteOption: true,
      workGroupConfiguration: {
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        bytesScannedCutoffPerQuery: BYTES_SCANNED_CUTOFF,
        resultConfiguration: {
          outputLocation: `s3://${results.bucketName}/${QUERY_RESULTS_PREFIX}`,
          encryptionConfiguration: { encryptionOption: 'SSE_S3' },
        },
        engineVersion: { selectedEngineVersion: 'Athena engine version 3' },
      },
    });
  }

  /** The Glue catalog, database and table ARNs a reader of `table` needs. */
  catalogArns(table: string): string[] {
    const prefix = `arn:${Aws.PARTITION}:glue:${Aws.REGION}:${Aws.ACCOUNT_ID}`;
    return [
      `${prefix}:catalog`,
      `${prefix}:database/${this.databaseName}`,
      `${prefix}:table/${this.databaseName}/${table}`,
    ];
  }

  /** Run queries in the workgroup on the declared tables, read their data, write their results. */
  grantQuery(role: iam.IRole, storage: Storage, tables: readonly TableSpec[], resultsBucket: string): void {
    const workgroupArn = `arn:${Aws.PARTITION}:athena:${Aws.REGION}:${Aws.ACCOUNT_ID}:workgroup/${this.workgroup.name}`;
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: [
          'athena:StartQueryExecution',
          'athena:GetQueryExecution',
          'athena:GetQueryResults',
          'athena:StopQueryExecution',
        ],
        resources: [workgroupArn],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['glue:GetDatabase', 'glue:GetTable', 'glue:GetPartitions'],
        resources: tables.flatMap((t) => this.catalogArns(t.name)),
      }),
    );
    for (const table of tables) {
      const bucket = storage.bucket(table.bucket);
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['s3:GetObject'],
          resources: [bucket.arnForObjects(`${table.prefix}*`)],
        }),
      );
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['s3:ListBucket', 's3:GetBucketLocation'],
          resources: [bucket.bucketArn],
        }),
      );
    }
    const results = storage.bucket(resultsBucket);
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'],
        resources: [results.arnForObjects(`${QUERY_RESULTS_PREFIX}*`)],
      }),
    );
  }

  /** A rule target that puts each event into the stream, retried, failures to the dead-letter queue. */
  target(name: string, deadLetters: sqs.IQueue): events.IRuleTarget {
    const stream = this.streams.get(name);
    if (!stream) throw new Error(`No declared delivery stream ${name}.`);
    this.#eventsRole ??= new iam.Role(this, 'EventsRole', {
      assumedBy: new iam.ServicePrincipal('events.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
      description: 'Lets EventBridge rules put events into the warehouse delivery streams.',
    });
    this.#eventsRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['firehose:PutRecord', 'firehose:PutRecordBatch'],
        resources: [stream.attrArn],
      }),
    );
    const role = this.#eventsRole;
    return {
      bind: (rule) => {
        targets.addToDeadLetterQueueResourcePolicy(rule, deadLetters);
        return {
          arn: stream.attrArn,
          role,
          ...targets.bindBaseTargetConfig({
            deadLetterQueue: deadLetters,
            retryAttempts: 10,
            maxEventAge: Duration.hours(6),
          }),
        };
      },
    };
  }
}
