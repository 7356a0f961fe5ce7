// Command etcd is the upstream etcd server (etcdmain), in its own module because
// etcd's modules carry replace lines that forbid a plain `go install`.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
