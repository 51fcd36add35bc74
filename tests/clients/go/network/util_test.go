package network_test

import (
	"errors"

	"github.com/scaleway/scaleway-sdk-go/scw"
)

func isNotFound(err error) bool {
	var nf *scw.ResourceNotFoundError
	return err != nil && errors.As(err, &nf)
}
