# Block Storage: a volume, a snapshot of it, and a volume made from the snapshot.
resource "scaleway_block_volume" "vol" {
  name       = "tf-vol"
  size_in_gb = 20
  iops       = 5000
  tags       = ["terraform"]
}

resource "scaleway_block_snapshot" "snap" {
  name      = "tf-snap"
  volume_id = scaleway_block_volume.vol.id
  tags      = ["terraform"]
}

resource "scaleway_block_volume" "from_snap" {
  name        = "tf-vol-from-snap"
  iops        = 15000
  snapshot_id = scaleway_block_snapshot.snap.id
}
