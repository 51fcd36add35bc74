#!/usr/bin/env python3
"""Lists, through scwd's API, the ids of every resource kind the Terraform configurations make.

    inventory.py OUT.json            writes {kind: [ids]} for the SCW_* environment's default
                                     zone and region
    inventory.py --new BEFORE AFTER  prints the ids in AFTER that are not in BEFORE, one
                                     `kind id` per line; exit 1 when there are any

Used to check that `terraform destroy` leaves nothing behind, and (as a check that this check can
fail) that `terraform apply` made something. Defaults the platform makes by itself (the project's
default security group, the default VPC) are not counted.
"""
import json
import os
import sys
import urllib.request

API = os.environ.get("SCW_API_URL", "").rstrip("/")
ZONE = os.environ.get("SCW_DEFAULT_ZONE", "fr-par-1")
REGION = os.environ.get("SCW_DEFAULT_REGION", "fr-par")
ORG = os.environ.get("SCW_DEFAULT_ORGANIZATION_ID", "")

# kind: (path, key of the list in the answer, paging parameter, filter of what counts)
z, r = f"zones/{ZONE}", f"regions/{REGION}"
KINDS = {
    "instance server": (f"/instance/v1/{z}/servers", "servers", "per_page", None),
    "instance volume": (f"/instance/v1/{z}/volumes", "volumes", "per_page", None),
    "instance snapshot": (f"/instance/v1/{z}/snapshots", "snapshots", "per_page", None),
    "instance image": (f"/instance/v1/{z}/images?public=false", "images", "per_page", None),
    "instance ip": (f"/instance/v1/{z}/ips", "ips", "per_page", None),
    "instance security group": (f"/instance/v1/{z}/security_groups", "security_groups",
                                "per_page", lambda x: not x.get("project_default")),
    "instance placement group": (f"/instance/v1/{z}/placement_groups", "placement_groups",
                                 "per_page", None),
    "block volume": (f"/block/v1alpha1/{z}/volumes", "volumes", "page_size", None),
    "block snapshot": (f"/block/v1alpha1/{z}/snapshots", "snapshots", "page_size", None),
    "vpc": (f"/vpc/v2/{r}/vpcs", "vpcs", "page_size", lambda x: not x.get("is_default")),
    "vpc private network": (f"/vpc/v2/{r}/private-networks", "private_networks", "page_size",
                            None),
    "ipam ip": (f"/ipam/v1/{r}/ips", "ips", "page_size", None),
    "vpc-gw gateway": (f"/vpc-gw/v2/{z}/gateways", "gateways", "page_size", None),
    "vpc-gw ip": (f"/vpc-gw/v2/{z}/ips", "ips", "page_size", None),
    "vpc-gw gateway network": (f"/vpc-gw/v2/{z}/gateway-networks", "gateway_networks",
                               "page_size", None),
    "vpc-gw pat rule": (f"/vpc-gw/v2/{z}/pat-rules", "pat_rules", "page_size", None),
    "baremetal server": (f"/baremetal/v1/{z}/servers", "servers", "page_size", None),
    "baremetal server private network": (f"/baremetal/v3/{z}/server-private-networks",
                                         "server_private_networks", "page_size", None),
    "k8s cluster": (f"/k8s/v1/{r}/clusters", "clusters", "page_size", None),
    "function namespace": (f"/functions/v1beta1/{r}/namespaces", "namespaces", "page_size", None),
    "function": (f"/functions/v1beta1/{r}/functions", "functions", "page_size", None),
    "container namespace": (f"/containers/v1/{r}/namespaces", "namespaces", "page_size", None),
    "container": (f"/containers/v1/{r}/containers", "containers", "page_size", None),
    "container domain": (f"/containers/v1/{r}/domains", "domains", "page_size", None),
    "container trigger": (f"/containers/v1/{r}/triggers", "triggers", "page_size", None),
    "flexible ip": (f"/flexible-ip/v1alpha1/{z}/fips", "flexible_ips", "page_size", None),
    "iam application": (f"/iam/v1alpha1/applications?organization_id={ORG}", "applications",
                        "page_size", None),
    "iam policy": (f"/iam/v1alpha1/policies?organization_id={ORG}", "policies", "page_size", None),
    "iam api key": (f"/iam/v1alpha1/api-keys?organization_id={ORG}", "api_keys", "page_size",
                    None),
    "iam group": (f"/iam/v1alpha1/groups?organization_id={ORG}", "groups", "page_size", None),
    "iam ssh key": (f"/iam/v1alpha1/ssh-keys?organization_id={ORG}", "ssh_keys", "page_size",
                    None),
    "mnq nats account": (f"/mnq/v1beta1/{r}/nats-accounts", "nats_accounts", "page_size", None),
    "mnq nats credentials": (f"/mnq/v1beta1/{r}/nats-credentials", "nats_credentials",
                             "page_size", None),
    "mnq sqs credentials": (f"/mnq/v1beta1/{r}/sqs-credentials", "sqs_credentials", "page_size",
                            None),
    "mnq sns credentials": (f"/mnq/v1beta1/{r}/sns-credentials", "sns_credentials", "page_size",
                            None),
    "account project": (f"/account/v3/projects?organization_id={ORG}", "projects", "page_size",
                        None),
    # Alerts and their notifications are shown inside their budget, and go with it.
    "billing budget": (f"/billing/v2/budgets?organization_id={ORG}", "budgets", "page_size", None),
}


def get(path):
    req = urllib.request.Request(API + path, headers={"X-Auth-Token": os.environ["SCW_SECRET_KEY"]})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.load(resp)


def ids_of(path, key, size_param, keep):
    out, page = [], 1
    sep = "&" if "?" in path else "?"
    while True:
        body = get(f"{path}{sep}page={page}&{size_param}=100")
        items = body[key]
        out += [x.get("id") or x.get("access_key") for x in items if keep is None or keep(x)]
        if len(items) < 100:
            return sorted(out)
        page += 1


def main():
    if sys.argv[1] == "--new":
        before, after = (json.load(open(p)) for p in sys.argv[2:4])
        new = [(k, i) for k, ids in after.items() for i in ids if i not in set(before.get(k, []))]
        for k, i in new:
            print(k, i)
        return 1 if new else 0
    inv = {kind: ids_of(*spec) for kind, spec in KINDS.items()}
    with open(sys.argv[1], "w") as f:
        json.dump(inv, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
