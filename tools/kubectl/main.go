// kubectl, built from k8s.io/kubectl's own command for machines that lack one: the tests run the
// seed documents' kubectl lines with it (tools/kubectl/install.sh builds it; .ci/run calls that
// only when `kubectl version --client` fails).
package main

import (
	"k8s.io/component-base/cli"
	"k8s.io/kubectl/pkg/cmd"
	"k8s.io/kubectl/pkg/cmd/util"
)

func main() {
	if err := cli.RunNoErrOutput(cmd.NewDefaultKubectlCommand()); err != nil {
		util.CheckErr(err)
	}
}
