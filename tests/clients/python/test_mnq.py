"""Messaging and Queuing: the Python SDK's mnq APIs, then boto3 (SQS and SNS) against the
endpoints the API returns, with the credentials it created."""
import hashlib
import json
import socket

import boto3
import botocore.exceptions
import pytest
from scaleway.mnq.v1beta1 import (
    MnqV1Beta1NatsAPI,
    MnqV1Beta1SnsAPI,
    MnqV1Beta1SqsAPI,
    SnsPermissions,
    SqsPermissions,
)



def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# The NATS server the accounts start gets a port of its own.
SCWD_ARGS = ["--nats-listen", f"127.0.0.1:{_free_port()}"]

ALL = dict(can_publish=True, can_receive=True, can_manage=True)


def test_nats_accounts_and_credentials(client):
    api = MnqV1Beta1NatsAPI(client)
    acc = api.create_nats_account(name="py-nats")
    assert acc.id.startswith("A") and len(acc.id) == 56
    assert acc.endpoint.startswith("nats://127.0.0.1:")
    creds = api.create_nats_credentials(nats_account_id=acc.id, name="py-user")
    content = creds.credentials.content
    assert creds.credentials.name == "user.creds"
    assert "-----BEGIN USER NKEY SEED-----\nSU" in content
    assert creds.checksum == hashlib.sha1(content.encode()).hexdigest()
    got = api.get_nats_credentials(nats_credentials_id=creds.id)
    assert got.credentials is None and got.checksum == creds.checksum
    assert [c.id for c in api.list_nats_credentials_all(nats_account_id=acc.id)] == [creds.id]
    assert api.update_nats_account(nats_account_id=acc.id, name="py-nats-2").name == "py-nats-2"
    assert [a.name for a in api.list_nats_accounts_all()] == ["py-nats-2"]
    api.delete_nats_credentials(nats_credentials_id=creds.id)
    api.delete_nats_account(nats_account_id=acc.id)
    assert api.list_nats_accounts_all() == []


@pytest.fixture(scope="module")
def sqs(client):
    api = MnqV1Beta1SqsAPI(client)
    info = api.activate_sqs()
    assert info.status == "enabled"
    creds = api.create_sqs_credentials(name="py-sqs", permissions=SqsPermissions(**ALL))
    assert api.get_sqs_credentials(sqs_credentials_id=creds.id).secret_key == creds.secret_key
    return boto3.client(
        "sqs",
        region_name="fr-par",
        endpoint_url=info.sqs_endpoint_url,
        aws_access_key_id=creds.access_key,
        aws_secret_access_key=creds.secret_key,
    )


def test_sqs_with_boto3(sqs, server):
    url = sqs.create_queue(QueueName="py-queue")["QueueUrl"]
    project = server.env["SCW_DEFAULT_PROJECT_ID"]
    assert url.endswith(f"/mnq-sqs/fr-par/project-{project}/py-queue")
    assert sqs.get_queue_url(QueueName="py-queue")["QueueUrl"] == url
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    assert arn == f"arn:scw:sqs:fr-par:project-{project}:py-queue"

    sent = sqs.send_message(
        QueueUrl=url,
        MessageBody="from python",
        MessageAttributes={"k": {"DataType": "String", "StringValue": "v"}},
    )
    # botocore checks the digests of what it sent against the answer's.
    assert sent["MD5OfMessageBody"] == hashlib.md5(b"from python").hexdigest()
    got = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"], WaitTimeSeconds=1)
    [m] = got["Messages"]
    assert m["Body"] == "from python" and m["MessageAttributes"]["k"]["StringValue"] == "v"
    sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])

    batch = sqs.send_message_batch(
        QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": f"b{i}"} for i in range(3)]
    )
    assert len(batch["Successful"]) == 3
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert sorted(x["Body"] for x in got) == ["b0", "b1", "b2"]
    deleted = sqs.delete_message_batch(
        QueueUrl=url, Entries=[{"Id": x["MessageId"], "ReceiptHandle": x["ReceiptHandle"]} for x in got]
    )
    assert len(deleted["Successful"]) == 3
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    assert url in sqs.list_queues()["QueueUrls"]

    sqs.delete_queue(QueueUrl=url)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sqs.get_queue_url(QueueName="py-queue")
    assert e.value.response["Error"]["Code"] in (
        "AWS.SimpleQueueService.NonExistentQueue",
        "QueueDoesNotExist",
    )


def test_sqs_refuses_a_bad_signature(client, sqs):
    api = MnqV1Beta1SqsAPI(client)
    creds = api.create_sqs_credentials(name="py-wrong", permissions=SqsPermissions(**ALL))
    bad = boto3.client(
        "sqs",
        region_name="fr-par",
        endpoint_url=sqs.meta.endpoint_url,
        aws_access_key_id=creds.access_key,
        aws_secret_access_key=creds.secret_key + "x",
    )
    with pytest.raises(botocore.exceptions.ClientError) as e:
        bad.list_queues()
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_sns_with_boto3(client, sqs):
    api = MnqV1Beta1SnsAPI(client)
    info = api.activate_sns()
    creds = api.create_sns_credentials(name="py-sns", permissions=SnsPermissions(**ALL))
    sns = boto3.client(
        "sns",
        region_name="fr-par",
        endpoint_url=info.sns_endpoint_url,
        aws_access_key_id=creds.access_key,
        aws_secret_access_key=creds.secret_key,
    )
    topic = sns.create_topic(Name="py-topic")["TopicArn"]
    assert topic.startswith("arn:scw:sns:fr-par:project-") and topic.endswith(":py-topic")
    url = sqs.create_queue(QueueName="py-sub")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sub = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)["SubscriptionArn"]
    assert sub.startswith(topic + ":")
    msg_id = sns.publish(TopicArn=topic, Message="fan out", Subject="s")["MessageId"]
    [m] = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)["Messages"]
    env = json.loads(m["Body"])
    assert env["Type"] == "Notification" and env["MessageId"] == msg_id
    assert env["Message"] == "fan out" and env["TopicArn"] == topic
    attrs = sns.get_topic_attributes(TopicArn=topic)["Attributes"]
    assert attrs["SubscriptionsConfirmed"] == "1"
    assert [s["SubscriptionArn"] for s in sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]] == [sub]
    sns.unsubscribe(SubscriptionArn=sub)
    sns.delete_topic(TopicArn=topic)
    assert sns.list_topics()["Topics"] == []
    api.delete_sns_credentials(sns_credentials_id=creds.id)
    assert api.deactivate_sns().status == "disabled"
