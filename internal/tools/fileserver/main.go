// Command fileserver serves a directory over HTTP on the loopback interface,
// under a path prefix: a stand-in for a release's download URL in tests.
//
//	fileserver -dir dist -prefix /v1.2.3/ -url-file url.txt
//
// It picks a free port, writes its base URL (without the prefix) to
// -url-file once it is ready, logs each request on stderr and serves until
// it is killed.
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"strings"
)

func main() {
	dir := flag.String("dir", ".", "the `directory` to serve")
	prefix := flag.String("prefix", "/", "the URL path `prefix` the directory is served under")
	addr := flag.String("addr", "127.0.0.1:0", "the listen `address`")
	urlFile := flag.String("url-file", "", "write the base URL to this `file` once listening")
	flag.Parse()
	if !strings.HasPrefix(*prefix, "/") || !strings.HasSuffix(*prefix, "/") {
		log.Fatalf("fileserver: -prefix %q must start and end with /", *prefix)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal("fileserver: ", err)
	}
	base := "http://" + ln.Addr().String()
	if *urlFile != "" {
		// Written whole, then renamed: a reader never sees half a URL.
		if err := os.WriteFile(*urlFile+".tmp", []byte(base+"\n"), 0o644); err != nil {
			log.Fatal("fileserver: ", err)
		}
		if err := os.Rename(*urlFile+".tmp", *urlFile); err != nil {
			log.Fatal("fileserver: ", err)
		}
	}
	fmt.Fprintf(os.Stderr, "fileserver: %s%s serves %s\n", base, *prefix, *dir)
	files := http.StripPrefix(strings.TrimSuffix(*prefix, "/"), http.FileServer(http.Dir(*dir)))
	log.Fatal(http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(os.Stderr, "fileserver: %s %s\n", r.Method, r.URL.Path)
		files.ServeHTTP(w, r)
	})))
}
