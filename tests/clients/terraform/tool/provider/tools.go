//go:build tools

package tools

import _ "github.com/scaleway/terraform-provider-scaleway/v2"
