terraform {
  required_providers {
    scaleway = {
      source = "scaleway/scaleway"
    }
  }
}

# Everything else comes from the SCW_* environment: SCW_API_URL points the provider at scwd.
provider "scaleway" {}
