# The same resources with changed attributes: applied as updates in place (suite.sh).
# Block Storage: a volume, a snapshot of it, and a volume made from the snapshot.
resource "scaleway_block_volume" "vol" {
  name       = "tf-vol-renamed"
  size_in_gb = 30
  iops       = 5000
  tags       = ["terraform"]
}

resource "scaleway_block_snapshot" "snap" {
  name      = "tf-snap-renamed"
  volume_id = scaleway_block_volume.vol.id
  tags      = ["terraform"]
}

resource "scaleway_block_volume" "from_snap" {
  name        = "tf-vol-from-snap"
  iops        = 15000
  snapshot_id = scaleway_block_snapshot.snap.id
}
