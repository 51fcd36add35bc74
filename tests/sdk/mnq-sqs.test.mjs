// The SQS endpoint of Messaging and Queuing through AWS's own client (@aws-sdk/client-sqs, which
// signs with SigV4 and checks the MD5 digests of what it sends and receives), with credentials
// made through the Scaleway SDK: standard and FIFO queues, visibility, long polling, dead-letter
// queues, permissions, the query protocol, and messages surviving kill -9.

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import {
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueuesCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SQSClient,
  SendMessageBatchCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
} from '@aws-sdk/client-sqs';
import { Billingv2beta1 } from '@scaleway/sdk-billing';
import { Mnqv1beta1 } from '@scaleway/sdk-mnq';
import { SignatureV4 } from '@smithy/signature-v4';

import { advanceClock, caught, makeClient, raw, startServer, storeBackend } from './lib/harness.mjs';

// SHA-256 as the signer takes it (node's crypto).
class Sha256 {
  constructor(secret) {
    this.h = secret ? crypto.createHmac('sha256', secret) : crypto.createHash('sha256');
  }

  update(data) {
    this.h.update(data);
  }

  async digest() {
    return new Uint8Array(this.h.digest());
  }
}

let server;
let sqsApi;
let info;
let all; // credentials with every permission
let sqs; // SQSClient with them

function client(creds, endpoint = info.sqsEndpointUrl) {
  return new SQSClient({
    region: 'fr-par',
    endpoint,
    credentials: { accessKeyId: creds.accessKey, secretAccessKey: creds.secretKey },
    maxAttempts: 1,
  });
}

before(async () => {
  server = await startServer();
  sqsApi = new Mnqv1beta1.SqsAPI(makeClient(server));
  info = await sqsApi.activateSqs({});
  all = await sqsApi.createSqsCredentials({
    name: 'all',
    permissions: { canPublish: true, canReceive: true, canManage: true },
  });
  sqs = client(all);
});

after(async () => {
  sqs?.destroy();
  if (server) {
    const r = await server.stop();
    assert.equal(r.code, 0, `scwd did not exit cleanly: ${JSON.stringify(r)}`);
  }
});

const md5 = (s) => crypto.createHash('md5').update(s).digest('hex');

async function receive(QueueUrl, extra = {}) {
  const r = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl,
      MaxNumberOfMessages: 10,
      AttributeNames: ['All'],
      MessageAttributeNames: ['All'],
      ...extra,
    }),
  );
  return r.Messages ?? [];
}

describe('standard queues', () => {
  let url;

  it('creates a queue with the real service URL and ARN layout', async () => {
    const r = await sqs.send(new CreateQueueCommand({ QueueName: 'orders' }));
    url = r.QueueUrl;
    assert.equal(url, `${info.sqsEndpointUrl}/project-${server.creds.projectId}/orders`);
    const again = await sqs.send(new CreateQueueCommand({ QueueName: 'orders' }));
    assert.equal(again.QueueUrl, url, 'same name, same attributes: the same queue');
    const got = await sqs.send(new GetQueueUrlCommand({ QueueName: 'orders' }));
    assert.equal(got.QueueUrl, url);
    const a = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }));
    assert.equal(a.Attributes.QueueArn, `arn:scw:sqs:fr-par:project-${server.creds.projectId}:orders`);
    assert.equal(a.Attributes.VisibilityTimeout, '30');
    assert.equal(a.Attributes.MaximumMessageSize, '262144');
    assert.equal(a.Attributes.MessageRetentionPeriod, '345600');
    assert.equal(a.Attributes.ReceiveMessageWaitTimeSeconds, '0');
    assert.equal(a.Attributes.ApproximateNumberOfMessages, '0');
    assert.equal(a.Attributes.FifoQueue, undefined);
    const e = await caught(() =>
      sqs.send(new CreateQueueCommand({ QueueName: 'orders', Attributes: { VisibilityTimeout: '5' } })),
    );
    assert.equal(e.name, 'QueueNameExists');
  });

  it('sends with attributes and receives them with AWS digests', async () => {
    const attrs = {
      color: { DataType: 'String', StringValue: 'blue' },
      count: { DataType: 'Number', StringValue: '42' },
      blob: { DataType: 'Binary', BinaryValue: Buffer.from([0, 1, 2, 255]) },
    };
    const s = await sqs.send(
      new SendMessageCommand({ QueueUrl: url, MessageBody: 'héllo wörld', MessageAttributes: attrs }),
    );
    assert.equal(s.MD5OfMessageBody, md5('héllo wörld'));
    // The digest AWS documents for these attributes, computed here independently.
    const enc = (b) => {
      const len = Buffer.alloc(4);
      len.writeUInt32BE(b.length);
      return Buffer.concat([len, b]);
    };
    const parts = [];
    for (const name of Object.keys(attrs).sort()) {
      const a = attrs[name];
      parts.push(enc(Buffer.from(name)), enc(Buffer.from(a.DataType)));
      if (a.BinaryValue) parts.push(Buffer.from([2]), enc(Buffer.from(a.BinaryValue)));
      else parts.push(Buffer.from([1]), enc(Buffer.from(a.StringValue)));
    }
    assert.equal(s.MD5OfMessageAttributes, md5(Buffer.concat(parts)));

    const [m] = await receive(url);
    assert.equal(m.MessageId, s.MessageId);
    assert.equal(m.Body, 'héllo wörld');
    assert.equal(m.MD5OfBody, s.MD5OfMessageBody);
    assert.equal(m.MD5OfMessageAttributes, s.MD5OfMessageAttributes);
    assert.equal(m.Attributes.ApproximateReceiveCount, '1');
    assert.match(m.Attributes.SentTimestamp, /^\d{13}$/);
    assert.equal(m.MessageAttributes.color.StringValue, 'blue');
    assert.deepEqual([...m.MessageAttributes.blob.BinaryValue], [0, 1, 2, 255]);

    // Invisible for the visibility timeout, then back with a higher receive count.
    assert.equal((await receive(url)).length, 0);
    const counts = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }));
    assert.equal(counts.Attributes.ApproximateNumberOfMessagesNotVisible, '1');
    await advanceClock(server, 31);
    const [again] = await receive(url, { MessageAttributeNames: ['color'] });
    assert.equal(again.MessageId, m.MessageId);
    assert.equal(again.Attributes.ApproximateReceiveCount, '2');
    assert.deepEqual(Object.keys(again.MessageAttributes), ['color']);
    assert.equal(again.MD5OfMessageAttributes, md5(Buffer.concat(parts.slice(4, 8))), 'digest of the chosen');

    // An older receipt handle no longer matters once deleted.
    await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: again.ReceiptHandle }));
    await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: again.ReceiptHandle }));
    await advanceClock(server, 31);
    assert.equal((await receive(url)).length, 0);
    const bad = await caught(() => sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: 'nope' })));
    assert.equal(bad.name, 'ReceiptHandleIsInvalid');
  });

  it('sends, changes visibility and deletes in batches', async () => {
    const entries = Array.from({ length: 5 }, (_, i) => ({ Id: `m${i}`, MessageBody: `body ${i}` }));
    const s = await sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: entries }));
    assert.equal(s.Successful.length, 5);
    assert.equal((s.Failed ?? []).length, 0);
    const got = await receive(url);
    assert.equal(got.length, 5);
    assert.deepEqual(got.map((m) => m.Body).sort(), entries.map((e) => e.MessageBody).sort());

    // Visible again at once for two of them.
    const ch = await sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: url,
        Entries: got.slice(0, 2).map((m, i) => ({ Id: `c${i}`, ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0 })),
      }),
    );
    assert.equal(ch.Successful.length, 2);
    const back = await receive(url);
    assert.deepEqual(back.map((m) => m.MessageId).sort(), got.slice(0, 2).map((m) => m.MessageId).sort());
    await sqs.send(
      new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: back[0].ReceiptHandle, VisibilityTimeout: 0 }),
    );
    const once = await receive(url);
    assert.equal(once.length, 1);

    const all5 = [...got.slice(2), ...back.slice(1), ...once];
    const d = await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: url,
        Entries: all5.map((m, i) => ({ Id: `d${i}`, ReceiptHandle: m.ReceiptHandle })),
      }),
    );
    assert.equal(d.Successful.length, 5);
    await advanceClock(server, 31);
    assert.equal((await receive(url)).length, 0);

    const empty = await caught(() => sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: [] })));
    assert.equal(empty.name, 'EmptyBatchRequest');
    const dup = await caught(() =>
      sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: url,
          Entries: [
            { Id: 'x', MessageBody: 'a' },
            { Id: 'x', MessageBody: 'b' },
          ],
        }),
      ),
    );
    assert.equal(dup.name, 'BatchEntryIdsNotDistinct');
  });

  it('delays messages per queue and per message', async () => {
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { DelaySeconds: '10' } }));
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'late' }));
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'later', DelaySeconds: 100 }));
    assert.equal((await receive(url)).length, 0);
    await advanceClock(server, 11);
    const [late] = await receive(url);
    assert.equal(late.Body, 'late');
    await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: late.ReceiptHandle }));
    await advanceClock(server, 90);
    assert.deepEqual((await receive(url)).map((m) => m.Body), ['later']);
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { DelaySeconds: '0' } }));
    const a = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['DelaySeconds'] }));
    assert.deepEqual(a.Attributes, { DelaySeconds: '0' });
    const bad = await caught(() =>
      sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { VisibilityTimeout: '99999' } })),
    );
    assert.equal(bad.name, 'InvalidAttributeValue');
  });

  it('drops messages past their retention period', async () => {
    await sqs.send(new PurgeQueueCommand({ QueueUrl: url }));
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { MessageRetentionPeriod: '60' } }));
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'old' }));
    await advanceClock(server, 61);
    assert.equal((await receive(url)).length, 0);
  });

  it('counts the requests in Billing', async () => {
    const billing = new Billingv2beta1.API(makeClient(server));
    const lines = (await billing.listConsumptions({ categoryName: 'Managed Services' })).consumptions;
    const line = lines.find((l) => l.sku === '/mnq/sqs/requests/fr-par');
    assert.ok(line && Number(line.billedQuantity) >= 10, JSON.stringify(lines));
    assert.equal(line.unit, 'request');
  });

  it('purges, lists and deletes queues', async () => {
    await sqs.send(new CreateQueueCommand({ QueueName: 'other' }));
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x' }));
    await sqs.send(new PurgeQueueCommand({ QueueUrl: url }));
    assert.equal((await receive(url)).length, 0);
    const l = await sqs.send(new ListQueuesCommand({}));
    assert.ok(l.QueueUrls.includes(url));
    const p = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: 'oth' }));
    assert.deepEqual(p.QueueUrls.map((u) => u.split('/').pop()), ['other']);
    await sqs.send(new DeleteQueueCommand({ QueueUrl: url }));
    const e = await caught(() => sqs.send(new GetQueueUrlCommand({ QueueName: 'orders' })));
    assert.equal(e.name, 'QueueDoesNotExist');
    const s = await caught(() => sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x' })));
    assert.equal(s.name, 'QueueDoesNotExist');
  });
});

describe('long polling', () => {
  let url;
  before(async () => {
    url = (await sqs.send(new CreateQueueCommand({ QueueName: 'poll' }))).QueueUrl;
  });

  it('answers a waiting receive as soon as a message arrives', async () => {
    const t0 = Date.now();
    const waiting = receive(url, { WaitTimeSeconds: 20 });
    await new Promise((r) => setTimeout(r, 300));
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'ping' }));
    const got = await waiting;
    assert.deepEqual(got.map((m) => m.Body), ['ping']);
    // Well before the 20 s wait ends (the bound leaves room for a slow machine).
    assert.ok(Date.now() - t0 < 10000, `answered after ${Date.now() - t0} ms`);
    await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: got[0].ReceiptHandle }));
  });

  it('answers empty at the end of the wait', async () => {
    const t0 = Date.now();
    const got = await receive(url, { WaitTimeSeconds: 1 });
    const took = Date.now() - t0;
    assert.equal(got.length, 0);
    assert.ok(took >= 900 && took < 8000, `took ${took} ms`);
  });

  it('holds no server thread while waiting', async () => {
    // Many more waiting receives than the server has threads; the API still answers at once. On
    // PostgreSQL a waiting receive holds one of the 16 worker threads (docs/architecture.md), so
    // fewer wait there.
    const waiting = storeBackend() === 'postgres' ? 8 : 24;
    const clients = Array.from({ length: waiting }, () => client(all));
    const waits = clients.map((c) =>
      c.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 10 })),
    );
    await new Promise((r) => setTimeout(r, 300));
    const t0 = Date.now();
    const r = await raw(server, 'GET', '/mnq/v1beta1/regions/fr-par/sqs-credentials');
    assert.equal(r.status, 200);
    const s = await sqs.send(new GetQueueUrlCommand({ QueueName: 'poll' }));
    assert.equal(s.QueueUrl, url);
    // Well before the 10 s waits end (the bound leaves room for a slow machine).
    assert.ok(Date.now() - t0 < 5000, `API answered after ${Date.now() - t0} ms`);
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'one for one of them' }));
    const results = await Promise.all(waits);
    assert.equal(results.filter((x) => (x.Messages ?? []).length === 1).length, 1);
    for (const c of clients) c.destroy();
  });

  it('uses the queue default wait time', async () => {
    await sqs.send(
      new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { ReceiveMessageWaitTimeSeconds: '1' } }),
    );
    const t0 = Date.now();
    await sqs.send(new PurgeQueueCommand({ QueueUrl: url }));
    const got = await receive(url);
    assert.equal(got.length, 0);
    assert.ok(Date.now() - t0 >= 900);
  });
});

describe('FIFO queues', () => {
  let url;
  it('needs FifoQueue and the .fifo suffix', async () => {
    const e = await caught(() =>
      sqs.send(new CreateQueueCommand({ QueueName: 'nofifo', Attributes: { FifoQueue: 'true' } })),
    );
    assert.equal(e.name, 'InvalidParameterValue');
    url = (await sqs.send(new CreateQueueCommand({ QueueName: 'jobs.fifo', Attributes: { FifoQueue: 'true' } })))
      .QueueUrl;
    const a = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }));
    assert.equal(a.Attributes.FifoQueue, 'true');
    assert.equal(a.Attributes.ContentBasedDeduplication, 'false');
  });

  it('deduplicates and keeps order within message groups', async () => {
    const noGroup = await caught(() =>
      sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x', MessageDeduplicationId: 'd' })),
    );
    assert.equal(noGroup.name, 'MissingParameter');
    const noDedup = await caught(() =>
      sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x', MessageGroupId: 'g' })),
    );
    assert.equal(noDedup.name, 'InvalidParameterValue');
    const send = (body, group, dedup) =>
      sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: body, MessageGroupId: group, MessageDeduplicationId: dedup }));
    const a1 = await send('a1', 'A', '1');
    const dup = await send('a1 again', 'A', '1');
    assert.equal(dup.MessageId, a1.MessageId, 'a duplicate is acknowledged, not enqueued');
    assert.equal(dup.SequenceNumber, a1.SequenceNumber);
    const a2 = await send('a2', 'A', '2');
    await send('b1', 'B', '3');
    assert.ok(BigInt(a2.SequenceNumber) > BigInt(a1.SequenceNumber));

    const got = await receive(url);
    assert.deepEqual(got.map((m) => m.Body), ['a1', 'a2', 'b1']);
    assert.equal(got[0].Attributes.MessageGroupId, 'A');
    assert.equal(got[0].Attributes.MessageDeduplicationId, '1');
    assert.equal(got[0].Attributes.SequenceNumber, a1.SequenceNumber);
    // Groups with messages in flight deliver nothing more.
    await send('a3', 'A', '4');
    assert.equal((await receive(url)).length, 0);
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: url,
        Entries: got.map((m, i) => ({ Id: `${i}`, ReceiptHandle: m.ReceiptHandle })),
      }),
    );
    assert.deepEqual((await receive(url)).map((m) => m.Body), ['a3']);
    // The deduplication window is five minutes.
    await advanceClock(server, 301);
    const fresh = await send('a1 later', 'C', '1');
    assert.notEqual(fresh.MessageId, a1.MessageId);
  });

  it('deduplicates by content when asked', async () => {
    const u = (
      await sqs.send(
        new CreateQueueCommand({
          QueueName: 'content.fifo',
          Attributes: { FifoQueue: 'true', ContentBasedDeduplication: 'true' },
        }),
      )
    ).QueueUrl;
    const a = await sqs.send(new SendMessageCommand({ QueueUrl: u, MessageBody: 'same', MessageGroupId: 'g' }));
    const b = await sqs.send(new SendMessageCommand({ QueueUrl: u, MessageBody: 'same', MessageGroupId: 'g' }));
    assert.equal(a.MessageId, b.MessageId);
    assert.equal((await receive(u)).length, 1);
  });
});

describe('dead-letter queues', () => {
  it('moves a message received maxReceiveCount times to the dead-letter queue', async () => {
    const dlq = (await sqs.send(new CreateQueueCommand({ QueueName: 'dead' }))).QueueUrl;
    const arn = `arn:scw:sqs:fr-par:project-${server.creds.projectId}:dead`;
    const bad = await caught(() =>
      sqs.send(
        new CreateQueueCommand({
          QueueName: 'src',
          Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: `${arn}x`, maxReceiveCount: 2 }) },
        }),
      ),
    );
    assert.equal(bad.name, 'InvalidParameterValue');
    const src = (
      await sqs.send(
        new CreateQueueCommand({
          QueueName: 'src',
          Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: arn, maxReceiveCount: 2 }) },
        }),
      )
    ).QueueUrl;
    const a = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: src, AttributeNames: ['RedrivePolicy'] }));
    assert.equal(JSON.parse(a.Attributes.RedrivePolicy).deadLetterTargetArn, arn);
    await sqs.send(new SendMessageCommand({ QueueUrl: src, MessageBody: 'poison' }));
    for (let i = 1; i <= 2; i += 1) {
      const [m] = await receive(src);
      assert.equal(m.Attributes.ApproximateReceiveCount, String(i));
      await advanceClock(server, 31);
    }
    assert.equal((await receive(src)).length, 0, 'moved instead of a third delivery');
    const [dead] = await receive(dlq);
    assert.equal(dead.Body, 'poison');
    assert.equal(dead.Attributes.ApproximateReceiveCount, '1');
  });
});

describe('authentication and permissions', () => {
  let url;
  before(async () => {
    url = (await sqs.send(new CreateQueueCommand({ QueueName: 'guarded' }))).QueueUrl;
  });

  it('refuses a wrong secret and an unknown access key', async () => {
    const wrong = client({ accessKey: all.accessKey, secretKey: `${all.secretKey}x` });
    const e1 = await caught(() => wrong.send(new ListQueuesCommand({})));
    assert.equal(e1.name, 'SignatureDoesNotMatch');
    assert.equal(e1.$metadata.httpStatusCode, 403);
    const unknown = client({ accessKey: 'AAAAAAAAAAAAAAAAAAAA', secretKey: all.secretKey });
    const e2 = await caught(() => unknown.send(new ListQueuesCommand({})));
    assert.equal(e2.name, 'InvalidClientTokenId');
    const r = await fetch(`${info.sqsEndpointUrl}/`, {
      method: 'POST',
      headers: { 'X-Amz-Target': 'AmazonSQS.ListQueues', 'Content-Type': 'application/x-amz-json-1.0' },
      body: '{}',
    });
    assert.equal(r.status, 403);
  });

  it('enforces can_publish, can_receive and can_manage, and their updates', async () => {
    const pub = await sqsApi.createSqsCredentials({ name: 'pub', permissions: { canPublish: true } });
    const c = client(pub);
    await c.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x' }));
    assert.equal((await c.send(new GetQueueUrlCommand({ QueueName: 'guarded' }))).QueueUrl, url);
    for (const cmd of [
      new ReceiveMessageCommand({ QueueUrl: url }),
      new CreateQueueCommand({ QueueName: 'nope' }),
      new ListQueuesCommand({}),
    ]) {
      const e = await caught(() => c.send(cmd));
      assert.equal(e.$metadata.httpStatusCode, 403, cmd.constructor.name);
    }
    await sqsApi.updateSqsCredentials({ sqsCredentialsId: pub.id, permissions: { canPublish: false, canReceive: true } });
    const e = await caught(() => c.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x' })));
    assert.equal(e.$metadata.httpStatusCode, 403);
    assert.equal((await c.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages.length, 1);
    await sqsApi.deleteSqsCredentials({ sqsCredentialsId: pub.id });
    const gone = await caught(() => c.send(new ReceiveMessageCommand({ QueueUrl: url })));
    assert.equal(gone.name, 'InvalidClientTokenId');
    c.destroy();
  });

  it('sees only the queues of the credentials project', async () => {
    const other = await raw(server, 'POST', '/account/v3/projects', { body: { name: 'other-mnq' } });
    assert.equal(other.status, 200);
    await raw(server, 'POST', '/mnq/v1beta1/regions/fr-par/activate-sqs', { body: { project_id: other.json.id } });
    const creds = await sqsApi.createSqsCredentials({
      projectId: other.json.id,
      permissions: { canManage: true, canPublish: true },
    });
    const c = client(creds);
    assert.equal((await c.send(new ListQueuesCommand({}))).QueueUrls, undefined);
    const e = await caught(() => c.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x' })));
    assert.equal(e.name, 'QueueDoesNotExist');
    c.destroy();
  });
});

describe('query protocol', () => {
  it('serves form requests with XML answers', async () => {
    const signer = new SignatureV4({
      service: 'sqs',
      region: 'fr-par',
      credentials: { accessKeyId: all.accessKey, secretAccessKey: all.secretKey },
      sha256: Sha256,
    });
    const endpoint = new URL(info.sqsEndpointUrl);
    const call = async (params, path = `${endpoint.pathname}/`) => {
      const body = new URLSearchParams({ ...params, Version: '2012-11-05' }).toString();
      const signed = await signer.sign({
        method: 'POST',
        protocol: 'http:',
        hostname: endpoint.hostname,
        port: Number(endpoint.port),
        path,
        headers: { host: endpoint.host, 'content-type': 'application/x-www-form-urlencoded' },
        body,
      });
      const r = await fetch(`${endpoint.origin}${path}`, { method: 'POST', headers: signed.headers, body });
      return { status: r.status, text: await r.text() };
    };
    const c = await call({ Action: 'CreateQueue', QueueName: 'xml', 'Attribute.1.Name': 'VisibilityTimeout', 'Attribute.1.Value': '7' });
    assert.equal(c.status, 200, c.text);
    const qurl = /<QueueUrl>(.*)<\/QueueUrl>/.exec(c.text)[1];
    assert.equal(qurl, `${info.sqsEndpointUrl}/project-${server.creds.projectId}/xml`);
    assert.match(c.text, /<CreateQueueResponse xmlns="http:\/\/queue.amazonaws.com\/doc\/2012-11-05\/">/);
    const s = await call({
      Action: 'SendMessage',
      QueueUrl: qurl,
      MessageBody: 'a < b',
      'MessageAttribute.1.Name': 'k',
      'MessageAttribute.1.Value.DataType': 'String',
      'MessageAttribute.1.Value.StringValue': 'v',
    });
    assert.equal(s.status, 200, s.text);
    assert.match(s.text, new RegExp(`<MD5OfMessageBody>${md5('a < b')}</MD5OfMessageBody>`));
    // Posted to the queue URL itself, as older clients do.
    const r = await call(
      { Action: 'ReceiveMessage', 'AttributeName.1': 'All', 'MessageAttributeName.1': 'All' },
      `${endpoint.pathname}/project-${server.creds.projectId}/xml`,
    );
    assert.equal(r.status, 200, r.text);
    assert.match(r.text, /<Body>a &lt; b<\/Body>/);
    assert.match(r.text, /<MessageAttribute><Name>k<\/Name><Value><DataType>String<\/DataType><StringValue>v<\/StringValue><\/Value><\/MessageAttribute>/);
    assert.match(r.text, /<Attribute><Name>ApproximateReceiveCount<\/Name><Value>1<\/Value><\/Attribute>/);
    const a = await call({ Action: 'GetQueueAttributes', QueueUrl: qurl, 'AttributeName.1': 'VisibilityTimeout' });
    assert.match(a.text, /<Attribute><Name>VisibilityTimeout<\/Name><Value>7<\/Value><\/Attribute>/);
    const e = await call({ Action: 'GetQueueUrl', QueueName: 'missing' });
    assert.equal(e.status, 400);
    assert.match(e.text, /<Code>AWS.SimpleQueueService.NonExistentQueue<\/Code>/);
    assert.match(e.text, /<Type>Sender<\/Type>/);
  });
});

describe('activation', () => {
  it('refuses calls once SQS is deactivated', async () => {
    await sqsApi.deactivateSqs({});
    const e = await caught(() => sqs.send(new ListQueuesCommand({})));
    assert.equal(e.$metadata.httpStatusCode, 403);
    await sqsApi.activateSqs({});
    await sqs.send(new ListQueuesCommand({}));
  });
});

describe('shutdown', () => {
  it('answers waiting receives at once and exits without using up the grace period', async () => {
    const s = await startServer();
    const api = new Mnqv1beta1.SqsAPI(makeClient(s));
    const endpoint = (await api.activateSqs({})).sqsEndpointUrl;
    const creds = await api.createSqsCredentials({ permissions: { canReceive: true, canManage: true } });
    const c = client(creds, endpoint);
    const url = (await c.send(new CreateQueueCommand({ QueueName: 'idle' }))).QueueUrl;
    const t0 = Date.now();
    const waiting = c.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 20 }));
    await new Promise((r) => setTimeout(r, 300));
    const stopped = await s.stop();
    const r = await waiting;
    assert.equal(stopped.code, 0);
    assert.equal(r.Messages, undefined);
    assert.ok(Date.now() - t0 < 10000, `took ${Date.now() - t0} ms`);
    c.destroy();
  });
});

describe('durability', () => {
  // A server of its own: the others advanced their virtual clock, which a restart does not keep.
  it('keeps acknowledged messages across kill -9', async () => {
    let first = await startServer();
    const api = new Mnqv1beta1.SqsAPI(makeClient(first));
    const endpoint = (await api.activateSqs({})).sqsEndpointUrl;
    const creds = await api.createSqsCredentials({
      permissions: { canPublish: true, canReceive: true, canManage: true },
    });
    let c = client(creds, endpoint);
    const url = (await c.send(new CreateQueueCommand({ QueueName: 'durable' }))).QueueUrl;
    const bodies = Array.from({ length: 20 }, (_, i) => `m${i}`);
    await Promise.all(bodies.map((b) => c.send(new SendMessageCommand({ QueueUrl: url, MessageBody: b }))));
    await first.kill9();
    c.destroy();
    const second = await startServer({ dataDir: first.dataDir, creds: first.creds });
    first = null;
    try {
      c = client(creds, `${second.url}/mnq-sqs/fr-par`);
      const again = url.replace(/^http:\/\/[^/]+/, second.url);
      const got = [];
      for (let i = 0; i < 5 && got.length < 20; i += 1) {
        const r = await c.send(new ReceiveMessageCommand({ QueueUrl: again, MaxNumberOfMessages: 10 }));
        got.push(...(r.Messages ?? []));
      }
      assert.deepEqual(got.map((m) => m.Body).sort(), bodies.sort());
      c.destroy();
    } finally {
      await second.stop();
    }
  });
});
