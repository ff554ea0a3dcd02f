// Package kiln is a thin Go client for the Kiln API: a *grpc.ClientConn whose interceptors send
// the API key, give each call a default deadline, retry what is safe to retry, and turn errors
// into *Error, plus the generated service clients of kiln.v1 (package kilnv1).
//
//	c, err := kiln.Dial(kiln.Options{APIKey: os.Getenv("KILN_API_KEY")})
//	job, err := c.Jobs.GetJob(ctx, &kilnv1.GetJobRequest{Name: "jobs/j-1"})
package kiln

import (
	"context"
	"io"
	"os"
	"time"

	kilnv1 "kiln/clients/go/gen/kiln/v1"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
)

// DefaultTarget is the gateway's default address (kiln serve listens on port 50051).
const DefaultTarget = "127.0.0.1:50051"

// Options configure a Client; the zero value talks plaintext to $KILN_TARGET with $KILN_API_KEY.
type Options struct {
	// Target is host:port; default $KILN_TARGET, else DefaultTarget.
	Target string
	// APIKey is sent as "authorization: Bearer <key>" on every call; default $KILN_API_KEY.
	APIKey string
	// Timeout is the deadline of a unary call whose context has none; default 30s (deploys and
	// exports get longer). Streams get no default deadline.
	Timeout time.Duration
	// Retry decides retries of UNAVAILABLE / RESOURCE_EXHAUSTED; the zero value means DefaultRetry.
	Retry *RetryPolicy
	// TLS enables transport security; nil means plaintext (the gateway itself serves no TLS).
	TLS credentials.TransportCredentials
	// DialOptions are appended to the client's own.
	DialOptions []grpc.DialOption
}

// Client holds one connection and a client for each Kiln service.
type Client struct {
	Conn        *grpc.ClientConn
	Datasets    kilnv1.DatasetServiceClient
	Jobs        kilnv1.JobServiceClient
	Models      kilnv1.ModelServiceClient
	Sampling    kilnv1.SamplingServiceClient
	Feedback    kilnv1.FeedbackServiceClient
	Evaluations kilnv1.EvaluationServiceClient
}

// Dial connects lazily: errors of an unreachable gateway surface on the first call.
func Dial(opts Options) (*Client, error) {
	if opts.Target == "" {
		opts.Target = os.Getenv("KILN_TARGET")
	}
	if opts.Target == "" {
		opts.Target = DefaultTarget
	}
	if opts.APIKey == "" {
		opts.APIKey = os.Getenv("KILN_API_KEY")
	}
	if opts.Timeout == 0 {
		opts.Timeout = 30 * time.Second
	}
	policy := DefaultRetry
	if opts.Retry != nil {
		policy = *opts.Retry
	}
	i := &interceptors{timeout: opts.Timeout, retry: policy}
	dial := []grpc.DialOption{
		grpc.WithChainUnaryInterceptor(i.unary),
		grpc.WithChainStreamInterceptor(i.stream),
		// Matches the gateway's limit, so large pages are never cut off on this side.
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(16 << 20)),
	}
	if opts.TLS != nil {
		dial = append(dial, grpc.WithTransportCredentials(opts.TLS))
	} else {
		dial = append(dial, grpc.WithInsecure())
	}
	if opts.APIKey != "" {
		dial = append(dial, grpc.WithPerRPCCredentials(apiKey{key: opts.APIKey, secure: opts.TLS != nil}))
	}
	conn, err := grpc.Dial(opts.Target, append(dial, opts.DialOptions...)...)
	if err != nil {
		return nil, err
	}
	return &Client{
		Conn:        conn,
		Datasets:    kilnv1.NewDatasetServiceClient(conn),
		Jobs:        kilnv1.NewJobServiceClient(conn),
		Models:      kilnv1.NewModelServiceClient(conn),
		Sampling:    kilnv1.NewSamplingServiceClient(conn),
		Feedback:    kilnv1.NewFeedbackServiceClient(conn),
		Evaluations: kilnv1.NewEvaluationServiceClient(conn),
	}, nil
}

// Close closes the connection.
func (c *Client) Close() error { return c.Conn.Close() }

// UploadDataset streams JSONL bytes as a dataset: the metadata, then 1 MiB chunks. Uploads are
// not retried; with meta.RequestId set, calling it again after a failure is safe.
func (c *Client) UploadDataset(ctx context.Context, meta *kilnv1.DatasetMetadata, data []byte) (*kilnv1.Dataset, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, slowTimeouts["UploadDataset"])
		defer cancel()
	}
	stream, err := c.Datasets.UploadDataset(ctx)
	if err != nil {
		return nil, AsError(err)
	}
	send := func(r *kilnv1.UploadDatasetRequest) error {
		if err := stream.Send(r); err != nil {
			// The server ended the call; CloseAndRecv reports why.
			_, err = stream.CloseAndRecv()
			if err == nil {
				err = io.ErrUnexpectedEOF
			}
			return AsError(err)
		}
		return nil
	}
	if err := send(&kilnv1.UploadDatasetRequest{Payload: &kilnv1.UploadDatasetRequest_Metadata{Metadata: meta}}); err != nil {
		return nil, err
	}
	const chunk = 1 << 20
	for at := 0; at < len(data); at += chunk {
		end := at + chunk
		if end > len(data) {
			end = len(data)
		}
		if err := send(&kilnv1.UploadDatasetRequest{Payload: &kilnv1.UploadDatasetRequest_Chunk{Chunk: data[at:end]}}); err != nil {
			return nil, err
		}
	}
	dataset, err := stream.CloseAndRecv()
	if err != nil {
		return nil, AsError(err) // never a typed nil: callers compare err with nil
	}
	return dataset, nil
}

type apiKey struct {
	key    string
	secure bool
}

func (a apiKey) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return map[string]string{"authorization": "Bearer " + a.key}, nil
}

func (a apiKey) RequireTransportSecurity() bool { return a.secure }
