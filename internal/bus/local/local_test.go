package local_test

import (
	"testing"

	"github.com/parley-im/parley/internal/bus"
	"github.com/parley-im/parley/internal/bus/bustest"
	"github.com/parley-im/parley/internal/bus/local"
)

func TestContract(t *testing.T) {
	bustest.Run(t, func(*testing.T) bus.Bus { return local.New() })
}
