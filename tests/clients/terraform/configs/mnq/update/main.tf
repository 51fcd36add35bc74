# Messaging and Queuing: NATS account and credentials, SQS and SNS activated with credentials, a
# queue, a dead-letter queue, a topic and its subscription of the queue (the provider reaches the
# SQS and SNS endpoints with the credentials it created, at the endpoints the API returns).
resource "scaleway_mnq_nats_account" "main" {
  name = "tf-nats-renamed"
}

resource "scaleway_mnq_nats_credentials" "main" {
  account_id = scaleway_mnq_nats_account.main.id
  name       = "tf-nats-creds"
}

resource "scaleway_mnq_sqs" "main" {}

resource "scaleway_mnq_sqs_credentials" "main" {
  project_id = scaleway_mnq_sqs.main.project_id
  name       = "tf-sqs-creds"
  permissions {
    can_manage  = true
    can_publish = true
    can_receive = true
  }
}

resource "scaleway_mnq_sqs_queue" "dead" {
  project_id   = scaleway_mnq_sqs.main.project_id
  name         = "tf-dead"
  sqs_endpoint = scaleway_mnq_sqs.main.endpoint
  access_key   = scaleway_mnq_sqs_credentials.main.access_key
  secret_key   = scaleway_mnq_sqs_credentials.main.secret_key
}

resource "scaleway_mnq_sqs_queue" "main" {
  project_id   = scaleway_mnq_sqs.main.project_id
  name         = "tf-queue"
  sqs_endpoint = scaleway_mnq_sqs.main.endpoint
  access_key   = scaleway_mnq_sqs_credentials.main.access_key
  secret_key   = scaleway_mnq_sqs_credentials.main.secret_key
  message_max_age = 1440
  dead_letter_queue {
    id                = scaleway_mnq_sqs_queue.dead.id
    max_receive_count = 3
  }
}

resource "scaleway_mnq_sqs_queue" "fifo" {
  project_id                  = scaleway_mnq_sqs.main.project_id
  name                        = "tf-queue.fifo"
  fifo_queue                  = true
  content_based_deduplication = true
  sqs_endpoint                = scaleway_mnq_sqs.main.endpoint
  access_key                  = scaleway_mnq_sqs_credentials.main.access_key
  secret_key                  = scaleway_mnq_sqs_credentials.main.secret_key
}

resource "scaleway_mnq_sns" "main" {}

resource "scaleway_mnq_sns_credentials" "main" {
  project_id = scaleway_mnq_sns.main.project_id
  name       = "tf-sns-creds"
  permissions {
    can_manage  = true
    can_publish = true
    can_receive = true
  }
}

resource "scaleway_mnq_sns_topic" "main" {
  project_id   = scaleway_mnq_sns.main.project_id
  name         = "tf-topic"
  sns_endpoint = scaleway_mnq_sns.main.endpoint
  access_key   = scaleway_mnq_sns_credentials.main.access_key
  secret_key   = scaleway_mnq_sns_credentials.main.secret_key
}

resource "scaleway_mnq_sns_topic_subscription" "main" {
  project_id   = scaleway_mnq_sns.main.project_id
  sns_endpoint = scaleway_mnq_sns.main.endpoint
  access_key   = scaleway_mnq_sns_credentials.main.access_key
  secret_key   = scaleway_mnq_sns_credentials.main.secret_key
  topic_id     = scaleway_mnq_sns_topic.main.id
  protocol     = "sqs"
  endpoint     = scaleway_mnq_sqs_queue.main.arn
}
