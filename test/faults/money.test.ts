import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../infra/local/runtime.ts';
import { addDays, localDate } from '../../shared/platform/time.ts';
import { signUpOverHttp } from '../support/runtime.ts';
import {
  broken,
  fire,
  inject,
  mailsTo,
  ok,
  RetryingClient,
  retried,
  settleAll,
  startFaultRuntime,
  unique,
} from './support.ts';

/**
 * The paths that move money, under the faults AWS can produce: DynamoDB throttling, cancelled
 * transactions and internal errors, SES refusing to send for a while, functions that crash after
 * their writes committed, and deliveries made twice. Nothing may be lost (every effect is there
 * once things settle, clients having retried what they were told to retry), nothing may be done
 * twice (one notice per customer, one task per invoice, one number per invoice, one purchase order
 * per shortage), and no client may see a 5xx other than 503 with Retry-After.
 */
let runtime: LocalRuntime;
let client: RetryingClient;
let financeEmail: string;

beforeAll(async () => {
  runtime = await startFaultRuntime();
  const tenant = await signUpOverHttp(runtime, { settings: { emailPurchaseOrders: true } });
  client = new RetryingClient(tenant.api);
  financeEmail = (await ok(client.get('/v1/tenant'))).financeEmail;
  await runtime.settle();
});

afterAll(async () => {
  await runtime?.stop();
});

const today = () => localDate(new Date(), 'Europe/Paris');

async function customer(name: string) {
  const email = `${name.toLowerCase()}-${unique()}@customer.example`;
  const contact = await ok(
    client.post('/v1/contacts', { firstName: name, lastName: 'Customer', email }),
    201,
  );
  return { id: contact.id as string, email };
}

async function overdueInvoice(contactId: string, amount: number) {
  const draft = await ok(
    client.post('/v1/invoices', {
      contactId,
      lines: [{ description: 'Consulting', quantity: 1, unitAmount: amount, taxRateBps: 0 }],
      issueDate: addDays(today(), -31),
      dueDate: addDays(today(), -1),
    }),
    201,
  );
  return ok(client.post(`/v1/invoices/${draft.id}/issue`));
}

/** Every task about the invoice, whatever its status or assignee. */
async function collectionsTasks(invoiceId: string) {
  const tasks = await ok(client.get(`/v1/tasks?linkType=invoice&linkId=${invoiceId}&limit=100`));
  return tasks.items as Array<{ id: string; title: string; status: string }>;
}

describe('invoices, dunning and payments under faults', () => {
  it('numbers each invoice once, reminds each customer once, opens one task each and closes it on payment', async () => {
    const customers = [await customer('Ada'), await customer('Grace'), await customer('Alan')];

    // Issuing meets cancelled transactions, throttling and internal errors.
    inject(
      runtime,
      {
        service: 'dynamodb',
        operation: 'TransactWriteItems',
        error: 'TransactionCanceledException',
        times: 4,
      },
      { service: 'dynamodb', operation: 'TransactWriteItems', error: 'InternalServerError', times: 2 },
      { service: 'dynamodb', error: 'ThrottlingException', probability: 0.05 },
    );
    const invoices = await Promise.all(customers.map((c, i) => overdueInvoice(c.id, 10_000 * (i + 1))));
    const numbers = invoices.map((i) => i.number as string).sort();
    // One number each, consecutive: none was burnt by an attempt that failed.
    const sequence = numbers.map((n) => Number(n.split('-').at(-1)));
    expect(new Set(numbers).size).toBe(3);
    expect(sequence).toEqual([sequence[0], sequence[0]! + 1, sequence[0]! + 2]);

    // The sweep crashes after its work, SES throttles and fails, the schedule fires twice.
    inject(
      runtime,
      { service: 'lambda', operation: 'dunning-sweep', error: 'CrashAfterCommit', times: 1 },
      { service: 'scheduler', operation: 'dunning-sweep', error: 'Duplicate', times: 1 },
      { service: 'ses', operation: 'SendEmail', error: 'TooManyRequestsException', times: 2 },
      { service: 'ses', operation: 'SendEmail', error: 'InternalFailure', times: 4 },
      {
        service: 'dynamodb',
        operation: 'TransactWriteItems',
        error: 'TransactionCanceledException',
        times: 3,
      },
    );
    await fire(runtime, 'dunning-sweep', { asOf: new Date().toISOString() });
    await settleAll(runtime);

    for (const [index, person] of customers.entries()) {
      const number = invoices[index].number as string;
      expect(
        (await mailsTo(runtime, person.email)).map((m) => m.subject),
        person.email,
      ).toEqual([`Invoice ${number} is overdue`]);
      const copies = (await mailsTo(runtime, financeEmail)).filter((m) => m.subject.includes(number));
      expect(copies, `finance's copy for ${number}`).toHaveLength(1);
      const tasks = await collectionsTasks(invoices[index].id);
      expect(tasks, `collections tasks for ${number}`).toHaveLength(1);
      expect(tasks[0]!.title).toContain(number);
      expect((await ok(client.get(`/v1/invoices/${invoices[index].id}`))).collectionsTaskId).toBe(
        tasks[0]!.id,
      );
    }

    // Payments meet conflicts; the task closer crashes once and gets each event twice.
    inject(
      runtime,
      {
        service: 'dynamodb',
        operation: 'TransactWriteItems',
        error: 'TransactionCanceledException',
        times: 4,
      },
      { service: 'dynamodb', error: 'ThrottlingException', probability: 0.05 },
      { service: 'lambda', operation: 'invoice-collections', error: 'CrashAfterCommit', times: 1 },
      { service: 'events', operation: 'invoice-collections', error: 'Duplicate', times: 2 },
      { service: 'streams', operation: 'publish-events', error: 'Duplicate', times: 2 },
    );
    await Promise.all(
      invoices.map((invoice) =>
        ok(
          client.post(`/v1/invoices/${invoice.id}/payments`, {
            amount: invoice.total,
            paidAt: today(),
            method: 'bank_transfer',
            reference: `SEPA-${invoice.number}`,
          }),
          201,
        ),
      ),
    );
    await settleAll(runtime);

    for (const invoice of invoices) {
      const paid = await ok(client.get(`/v1/invoices/${invoice.id}`));
      expect(paid).toMatchObject({ status: 'paid', amountDue: 0 });
      const payments = await ok(client.get(`/v1/invoices/${invoice.id}/payments`));
      expect(payments.items, `payments of ${invoice.number}`).toHaveLength(1);
      const tasks = await collectionsTasks(invoice.id);
      expect(tasks.map((t) => t.status)).toEqual(['done']);
    }
    // A second sweep finds nothing left to chase.
    await fire(runtime, 'dunning-sweep', { asOf: new Date().toISOString() });
    for (const person of customers) expect(await mailsTo(runtime, person.email)).toHaveLength(1);

    expect(broken).toEqual([]);
    expect(runtime.deadLetters.list()).toEqual([]);
  }, 120_000);
});

describe("DynamoDB failing beyond the SDK's own retries", () => {
  it('answers 503 with Retry-After, and the same payment sent again is recorded once', async () => {
    const person = await customer('Katherine');
    const invoice = await overdueInvoice(person.id, 42_000);
    await runtime.settle();
    // Four answers in a row exhaust the SDK's four attempts: the error reaches the handler.
    inject(
      runtime,
      { service: 'dynamodb', operation: 'TransactWriteItems', error: 'InternalServerError', times: 4 },
      { service: 'dynamodb', operation: 'GetItem', error: 'ThrottlingException', times: 4 },
    );
    const before = retried.count;
    const payment = {
      amount: invoice.total,
      paidAt: today(),
      method: 'bank_transfer',
      reference: `SEPA-${invoice.number}`,
    };
    await ok(client.post(`/v1/invoices/${invoice.id}/payments`, payment), 201);
    expect(retried.count, 'the client was told to retry').toBeGreaterThan(before);
    await settleAll(runtime);

    inject(
      runtime,
      { service: 'dynamodb', operation: 'Query', error: 'InternalServerError', times: 4 },
      {
        service: 'dynamodb',
        operation: 'GetItem',
        error: 'ProvisionedThroughputExceededException',
        times: 4,
      },
    );
    expect((await ok(client.get(`/v1/invoices/${invoice.id}`))).status).toBe('paid');
    expect((await ok(client.get(`/v1/invoices/${invoice.id}/payments`))).items).toHaveLength(1);
    await settleAll(runtime);
    expect(broken).toEqual([]);
  }, 120_000);
});

describe('orders and reorders under faults', () => {
  it('places every order once and drafts, sends and mails one purchase order for the shortage', async () => {
    const supplierEmail = `orders-${unique()}@supplier.example`;
    const supplier = await ok(
      client.post('/v1/suppliers', { name: 'Chairs Inc', email: supplierEmail }),
      201,
    );
    const chair = await ok(
      client.post('/v1/products', {
        sku: `CHAIR-${unique()}`,
        name: 'Office chair',
        prices: [{ currency: 'EUR', unitAmount: 20_000 }],
        supplierId: supplier.id,
      }),
      201,
    );
    await ok(client.post(`/v1/products/${chair.id}/stock-adjustments`, { quantity: 10, reason: 'count' }));
    await ok(client.patch(`/v1/products/${chair.id}/stock`, { reorderPoint: 5, reorderQuantity: 20 }));
    const buyers = [await customer('Hedy'), await customer('Linus'), await customer('Barbara')];
    await settleAll(runtime);

    inject(
      runtime,
      {
        service: 'dynamodb',
        operation: 'TransactWriteItems',
        error: 'TransactionCanceledException',
        times: 6,
      },
      { service: 'dynamodb', error: 'ThrottlingException', probability: 0.05 },
      { service: 'dynamodb', operation: 'TransactWriteItems', error: 'InternalServerError', times: 2 },
      { service: 'lambda', operation: 'sales-reorder', error: 'CrashAfterCommit', times: 1 },
      { service: 'events', operation: 'sales-reorder', error: 'ConcurrentDuplicate', times: 2 },
      { service: 'lambda', operation: 'sales-mail', error: 'CrashAfterCommit', times: 1 },
      { service: 'events', operation: 'sales-mail', error: 'ConcurrentDuplicate', times: 1 },
      // An event's target is invoked three times at most (Lambda's async retries, as on AWS): the
      // faults here cost any one event fewer failed attempts than that.
      { service: 'ses', operation: 'SendEmail', error: 'TooManyRequestsException', times: 2 },
      { service: 'streams', operation: 'publish-events', error: 'ConcurrentDuplicate', times: 2 },
    );
    const orders = await Promise.all(
      buyers.map((buyer) =>
        ok(
          client.post('/v1/orders', { contactId: buyer.id, lines: [{ productId: chair.id, quantity: 2 }] }),
          201,
        ),
      ),
    );
    await settleAll(runtime);

    for (const [index, buyer] of buyers.entries()) {
      const listed = await ok(client.get(`/v1/orders?contactId=${buyer.id}`));
      expect(listed.items.map((o: { id: string }) => o.id)).toEqual([orders[index].id]);
    }
    const purchaseOrders = [];
    for (const status of ['draft', 'sent', 'received', 'cancelled'])
      purchaseOrders.push(...(await ok(client.get(`/v1/purchase-orders?status=${status}`))).items);
    expect(purchaseOrders).toHaveLength(1);
    expect(purchaseOrders[0]).toMatchObject({
      supplierId: supplier.id,
      status: 'sent',
      origin: 'reorder',
      lines: [{ productId: chair.id, quantity: 20 }],
    });
    expect(await mailsTo(runtime, supplierEmail)).toHaveLength(1);
    expect(await ok(client.get(`/v1/products/${chair.id}/stock`))).toMatchObject({
      onHand: 10,
      reserved: 6,
      available: 4,
      onOrder: 20,
    });

    expect(broken).toEqual([]);
    expect(runtime.deadLetters.list()).toEqual([]);
  }, 120_000);
});
