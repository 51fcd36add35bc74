//go:build tools

package tools

import _ "github.com/scaleway/scaleway-cli/v2/cmd/scw"
