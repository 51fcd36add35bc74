package instance_test

import (
	"errors"
	"net"
)

func asErr[T error](err error, target *T) bool { return err != nil && errors.As(err, target) }

func mustCIDR(s string) net.IPNet {
	_, n, err := net.ParseCIDR(s)
	if err != nil {
		panic(err)
	}
	return *n
}
