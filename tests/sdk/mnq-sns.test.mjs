// The SNS endpoint of Messaging and Queuing through AWS's own client (@aws-sdk/client-sns):
// topics, fan-out to SQS queues (the JSON envelope, or raw with message attributes), HTTP
// subscriptions confirmed by the subscriber, batches, FIFO topics and permissions.

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';

import {
  CreateTopicCommand,
  DeleteTopicCommand,
  GetSubscriptionAttributesCommand,
  GetTopicAttributesCommand,
  ListSubscriptionsByTopicCommand,
  ListSubscriptionsCommand,
  ListTopicsCommand,
  PublishBatchCommand,
  PublishCommand,
  SNSClient,
  SetSubscriptionAttributesCommand,
  SubscribeCommand,
  UnsubscribeCommand,
} from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { Mnqv1beta1 } from '@scaleway/sdk-mnq';

import { caught, makeClient, startServer } from './lib/harness.mjs';

let server;
let sns;
let sqs;
let snsApi;
let project;

function snsClient(creds, endpoint) {
  return new SNSClient({
    region: 'fr-par',
    endpoint,
    credentials: { accessKeyId: creds.accessKey, secretAccessKey: creds.secretKey },
    maxAttempts: 1,
  });
}

before(async () => {
  server = await startServer();
  project = server.creds.projectId;
  const client = makeClient(server);
  snsApi = new Mnqv1beta1.SnsAPI(client);
  const sqsApi = new Mnqv1beta1.SqsAPI(client);
  const snsInfo = await snsApi.activateSns({});
  const sqsInfo = await sqsApi.activateSqs({});
  const perms = { canPublish: true, canReceive: true, canManage: true };
  const sc = await snsApi.createSnsCredentials({ permissions: perms });
  const qc = await sqsApi.createSqsCredentials({ permissions: perms });
  sns = snsClient(sc, snsInfo.snsEndpointUrl);
  sns.endpointUrl = snsInfo.snsEndpointUrl;
  sqs = new SQSClient({
    region: 'fr-par',
    endpoint: sqsInfo.sqsEndpointUrl,
    credentials: { accessKeyId: qc.accessKey, secretAccessKey: qc.secretKey },
    maxAttempts: 1,
  });
});

after(async () => {
  sns?.destroy();
  sqs?.destroy();
  if (server) {
    const r = await server.stop();
    assert.equal(r.code, 0, `scwd did not exit cleanly: ${JSON.stringify(r)}`);
  }
});

async function queue(name, attributes) {
  const url = (await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }))).QueueUrl;
  const a = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
  return { url, arn: a.Attributes.QueueArn };
}

// SignatureVersion 1: SHA1withRSA over the fields AWS lists for the message's type, checked with
// the certificate at the message's SigningCertURL.
async function assertSigned(m) {
  assert.equal(m.SignatureVersion, '1');
  assert.ok(m.SigningCertURL.startsWith(sns.endpointUrl));
  const cert = await (await fetch(m.SigningCertURL)).text();
  assert.match(cert, /^-----BEGIN CERTIFICATE-----/);
  const fields =
    m.Type === 'Notification'
      ? ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type']
      : ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'];
  const text = fields
    .filter((f) => m[f] !== undefined)
    .map((f) => `${f}\n${m[f]}\n`)
    .join('');
  const ok = crypto.createVerify('RSA-SHA1').update(text).verify(cert, m.Signature, 'base64');
  assert.ok(ok, `signature of ${m.Type}`);
  const forged = crypto
    .createVerify('RSA-SHA1')
    .update(text.replace(m.Message, `${m.Message}!`))
    .verify(cert, m.Signature, 'base64');
  assert.ok(!forged);
}

async function drain(url) {
  const r = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'] }),
  );
  for (const m of r.Messages ?? []) {
    await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle }));
  }
  return r.Messages ?? [];
}

describe('topics and SQS subscriptions', () => {
  let topicArn;
  let q;
  let subArn;

  it('creates and lists topics with the real service ARN layout', async () => {
    topicArn = (await sns.send(new CreateTopicCommand({ Name: 'news' }))).TopicArn;
    assert.equal(topicArn, `arn:scw:sns:fr-par:project-${project}:news`);
    assert.equal((await sns.send(new CreateTopicCommand({ Name: 'news' }))).TopicArn, topicArn);
    const l = await sns.send(new ListTopicsCommand({}));
    assert.deepEqual(l.Topics.map((t) => t.TopicArn), [topicArn]);
    const a = await sns.send(new GetTopicAttributesCommand({ TopicArn: topicArn }));
    assert.equal(a.Attributes.TopicArn, topicArn);
    assert.equal(a.Attributes.Owner, `project-${project}`);
    assert.equal(a.Attributes.SubscriptionsConfirmed, '0');
    const bad = await caught(() => sns.send(new CreateTopicCommand({ Name: 'bad name!' })));
    assert.equal(bad.name, 'InvalidParameterException');
    const missing = await caught(() =>
      sns.send(new GetTopicAttributesCommand({ TopicArn: `arn:scw:sns:fr-par:project-${project}:nope` })),
    );
    assert.equal(missing.name, 'NotFoundException');
  });

  it('fans out to a queue in the SNS envelope', async () => {
    q = await queue('inbox');
    subArn = (await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: q.arn })))
      .SubscriptionArn;
    assert.match(subArn, new RegExp(`^${topicArn}:[0-9a-f-]{36}$`));
    const subs = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn }));
    assert.deepEqual(
      subs.Subscriptions.map((s) => [s.SubscriptionArn, s.Protocol, s.Endpoint]),
      [[subArn, 'sqs', q.arn]],
    );
    const p = await sns.send(
      new PublishCommand({
        TopicArn: topicArn,
        Message: 'hello',
        Subject: 'greeting',
        MessageAttributes: { kind: { DataType: 'String', StringValue: 'test' } },
      }),
    );
    const [m] = await drain(q.url);
    const env = JSON.parse(m.Body);
    assert.equal(env.Type, 'Notification');
    assert.equal(env.MessageId, p.MessageId);
    assert.equal(env.TopicArn, topicArn);
    assert.equal(env.Subject, 'greeting');
    assert.equal(env.Message, 'hello');
    assert.deepEqual(env.MessageAttributes, { kind: { Type: 'String', Value: 'test' } });
    assert.match(env.Timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    await assertSigned(env);
    assert.equal(m.MessageAttributes, undefined);
  });

  it('delivers raw messages with their attributes when asked', async () => {
    await sns.send(
      new SetSubscriptionAttributesCommand({
        SubscriptionArn: subArn,
        AttributeName: 'RawMessageDelivery',
        AttributeValue: 'true',
      }),
    );
    const a = await sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: subArn }));
    assert.equal(a.Attributes.RawMessageDelivery, 'true');
    assert.equal(a.Attributes.TopicArn, topicArn);
    await sns.send(
      new PublishCommand({
        TopicArn: topicArn,
        Message: 'raw body',
        MessageAttributes: { n: { DataType: 'Number', StringValue: '7' } },
      }),
    );
    const [m] = await drain(q.url);
    assert.equal(m.Body, 'raw body');
    assert.equal(m.MessageAttributes.n.StringValue, '7');
  });

  it('publishes batches to every subscription', async () => {
    const q2 = await queue('inbox2');
    await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: q2.arn }));
    const r = await sns.send(
      new PublishBatchCommand({
        TopicArn: topicArn,
        PublishBatchRequestEntries: [
          { Id: 'a', Message: 'one' },
          { Id: 'b', Message: 'two' },
          { Id: 'c', Message: '' },
        ],
      }),
    );
    assert.deepEqual(r.Successful.map((s) => s.Id).sort(), ['a', 'b']);
    assert.deepEqual(r.Failed.map((f) => f.Id), ['c']);
    assert.deepEqual((await drain(q.url)).map((m) => m.Body).sort(), ['one', 'two']);
    assert.deepEqual((await drain(q2.url)).map((m) => JSON.parse(m.Body).Message).sort(), ['one', 'two']);
    const all = await sns.send(new ListSubscriptionsCommand({}));
    assert.equal(all.Subscriptions.length, 2);
  });

  it('unsubscribes and deletes topics', async () => {
    await sns.send(new UnsubscribeCommand({ SubscriptionArn: subArn }));
    await sns.send(new PublishCommand({ TopicArn: topicArn, Message: 'after' }));
    assert.equal((await drain(q.url)).length, 0);
    await sns.send(new DeleteTopicCommand({ TopicArn: topicArn }));
    assert.deepEqual((await sns.send(new ListTopicsCommand({}))).Topics ?? [], []);
    const e = await caught(() => sns.send(new PublishCommand({ TopicArn: topicArn, Message: 'x' })));
    assert.equal(e.name, 'NotFoundException');
  });
});

describe('HTTP subscriptions', () => {
  it('confirms through the SubscribeURL, then delivers notifications', async () => {
    const received = [];
    let waiter = null;
    const hook = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        received.push({ type: req.headers['x-amz-sns-message-type'], body: JSON.parse(body) });
        res.end('ok');
        if (waiter) waiter();
      });
    });
    await new Promise((r) => hook.listen(0, '127.0.0.1', r));
    const next = () =>
      new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('no delivery')), 10_000);
        waiter = () => {
          clearTimeout(t);
          waiter = null;
          resolve(received.at(-1));
        };
      });
    try {
      const topicArn = (await sns.send(new CreateTopicCommand({ Name: 'hooks' }))).TopicArn;
      const endpoint = `http://127.0.0.1:${hook.address().port}/sns`;
      const confirmation = next();
      const s = await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'http', Endpoint: endpoint }));
      assert.equal(s.SubscriptionArn, 'pending confirmation');
      const c = await confirmation;
      assert.equal(c.type, 'SubscriptionConfirmation');
      assert.equal(c.body.TopicArn, topicArn);
      assert.ok(c.body.Token);
      assert.ok(c.body.SubscribeURL.startsWith(`${sns.endpointUrl}/?Action=ConfirmSubscription`));
      await assertSigned(c.body);
      const pending = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn }));
      assert.equal(pending.Subscriptions[0].SubscriptionArn, 'PendingConfirmation');
      // Nothing is delivered before the subscriber confirms.
      await sns.send(new PublishCommand({ TopicArn: topicArn, Message: 'too early' }));
      // The subscriber visits the URL it was given: no credentials.
      const visit = await fetch(c.body.SubscribeURL);
      assert.equal(visit.status, 200);
      assert.match(await visit.text(), /<SubscriptionArn>arn:scw:sns:fr-par:/);
      const a = await sns.send(new GetTopicAttributesCommand({ TopicArn: topicArn }));
      assert.equal(a.Attributes.SubscriptionsConfirmed, '1');
      const note = next();
      await sns.send(new PublishCommand({ TopicArn: topicArn, Message: 'hello hook' }));
      const n = await note;
      assert.equal(n.type, 'Notification');
      assert.equal(n.body.Message, 'hello hook');
      await assertSigned(n.body);
      assert.equal(received.filter((x) => x.type === 'Notification').length, 1);
      const bad = await fetch(`${sns.endpointUrl}/?Action=ConfirmSubscription&TopicArn=${topicArn}&Token=wrong`);
      assert.equal(bad.status, 400);
    } finally {
      hook.close();
    }
  });
});

describe('FIFO topics', () => {
  it('deliver to FIFO queues in order, deduplicated by the queue', async () => {
    const topicArn = (
      await sns.send(
        new CreateTopicCommand({
          Name: 'orders.fifo',
          Attributes: { FifoTopic: 'true', ContentBasedDeduplication: 'true' },
        }),
      )
    ).TopicArn;
    const a = await sns.send(new GetTopicAttributesCommand({ TopicArn: topicArn }));
    assert.equal(a.Attributes.FifoTopic, 'true');
    const q = await queue('orders.fifo', { FifoQueue: 'true' });
    await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: q.arn }));
    const noGroup = await caught(() => sns.send(new PublishCommand({ TopicArn: topicArn, Message: 'x' })));
    assert.equal(noGroup.name, 'InvalidParameterException');
    for (const m of ['1', '2', '2', '3']) {
      await sns.send(new PublishCommand({ TopicArn: topicArn, Message: m, MessageGroupId: 'g' }));
    }
    const got = await drain(q.url);
    assert.deepEqual(got.map((m) => JSON.parse(m.Body).Message), ['1', '2', '3']);
  });
});

describe('permissions', () => {
  it('enforces can_manage, can_publish and can_receive', async () => {
    const pub = await snsApi.createSnsCredentials({ permissions: { canPublish: true } });
    const c = snsClient(pub, sns.endpointUrl);
    const e = await caught(() => c.send(new CreateTopicCommand({ Name: 'nope' })));
    assert.equal(e.name, 'AuthorizationErrorException');
    assert.equal(e.$metadata.httpStatusCode, 403);
    const topicArn = (await sns.send(new CreateTopicCommand({ Name: 'open' }))).TopicArn;
    await c.send(new PublishCommand({ TopicArn: topicArn, Message: 'ok' }));
    const s = await caught(() =>
      c.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'http', Endpoint: 'http://127.0.0.1:9/' })),
    );
    assert.equal(s.$metadata.httpStatusCode, 403);
    const wrong = snsClient({ accessKey: pub.accessKey, secretKey: 'x' }, sns.endpointUrl);
    const w = await caught(() => wrong.send(new ListTopicsCommand({})));
    assert.equal(w.$metadata.httpStatusCode, 403);
    c.destroy();
    wrong.destroy();
  });
});
