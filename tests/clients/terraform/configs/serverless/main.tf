# Serverless: a Functions namespace with variables, a Node.js function deployed from a zip, and
# a Containers namespace with a container, its cron, custom domain and SQS trigger (the control
# plane only: scwd runs no images).
resource "scaleway_function_namespace" "main" {
  name                         = "tf-fn-ns"
  description                  = "from Terraform"
  environment_variables        = { GREETING = "hello" }
  secret_environment_variables = { TOKEN = "not-shown" }
}

resource "scaleway_function" "main" {
  namespace_id = scaleway_function_namespace.main.id
  name         = "tf-fn"
  runtime      = "node22"
  handler      = "handler.handle"
  privacy      = "public"
  max_scale    = 2
  zip_file     = "function.zip"
  zip_hash     = filesha256("function.zip")
  deploy       = true
}

resource "scaleway_function_cron" "main" {
  function_id = scaleway_function.main.id
  name        = "nightly"
  schedule    = "0 0 * * *"
  args        = jsonencode({ from = "terraform" })
}

resource "scaleway_container_namespace" "main" {
  name        = "tf-cns"
  description = "from Terraform"
}

resource "scaleway_container" "main" {
  namespace_id   = scaleway_container_namespace.main.id
  name           = "tf-co"
  registry_image = "rg.fr-par.scw.cloud/demo/app:latest"
  port           = 8080
  min_scale      = 0
  max_scale      = 2
}

# The provider's container cron, domain and trigger are Containers v1 triggers and domains.
resource "scaleway_container_cron" "main" {
  container_id = scaleway_container.main.id
  name         = "tf-co-nightly"
  schedule     = "5 4 * * *"
  args         = jsonencode({ from = "terraform" })
}

resource "scaleway_container_domain" "main" {
  container_id = scaleway_container.main.id
  hostname     = "app.tf-serverless.example.com"
}

resource "scaleway_container_trigger" "queue" {
  container_id = scaleway_container.main.id
  name         = "tf-co-queue"
  description  = "jobs from a queue"
  destination_config {
    http_path   = "/jobs"
    http_method = "post"
  }
  sqs {
    endpoint   = "https://sqs.mnq.fr-par.scaleway.com"
    queue_url  = "https://sqs.mnq.fr-par.scaleway.com/project-tf/jobs"
    access_key = "tf-access-key"
    secret_key = "tf-secret-key"
  }
}

output "function_domain" {
  value = scaleway_function.main.domain_name
}
