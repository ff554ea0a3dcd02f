module kiln/clients/go

go 1.19

// The versions Debian 12 packages (golang-google-grpc-dev, golang-google-protobuf-dev,
// golang-google-genproto-dev); build.sh builds offline against those sources. Online, any
// newer versions work: run `go mod tidy` to fetch them and write go.sum.
require (
	google.golang.org/genproto v0.0.0-20200413115906-b5235f65be36
	google.golang.org/grpc v1.33.3
	google.golang.org/protobuf v1.28.1
)
