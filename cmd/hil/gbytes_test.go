package main_test

import (
	"github.com/onsi/gomega/gbytes"
	"github.com/onsi/gomega/types"
)

func gbytesSay(re string) types.GomegaMatcher { return gbytes.Say(re) }
