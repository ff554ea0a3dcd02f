package kiln

import (
	"context"
	"io"
	"math/rand"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// RetryPolicy decides when a failed call is sent again. Only UNAVAILABLE and RESOURCE_EXHAUSTED
// are retried, and only for calls that are safe to repeat (see Idempotent).
type RetryPolicy struct {
	// MaxRetries is the number of attempts after the first; 0 disables retries.
	MaxRetries int
	// InitialBackoff is the first wait when the server sent no RetryInfo; it doubles per retry,
	// with up to 20% jitter.
	InitialBackoff time.Duration
	// MaxDelay bounds a wait: a longer one (e.g. a RetryInfo of an hour) is not waited for, and
	// the error is returned instead.
	MaxDelay time.Duration
}

// DefaultRetry: two retries, 0.5 s then 1 s without RetryInfo, at most 30 s of waiting per retry.
var DefaultRetry = RetryPolicy{MaxRetries: 2, InitialBackoff: 500 * time.Millisecond, MaxDelay: 30 * time.Second}

// slowTimeouts are default deadlines of RPCs that wait for real work.
var slowTimeouts = map[string]time.Duration{
	"DeployModel":   5 * time.Minute,
	"UndeployModel": 2 * time.Minute,
	"ExportModel":   15 * time.Minute,
	"UploadDataset": 5 * time.Minute,
}

// safeToRepeat are calls that change nothing a client relies on.
var safeToRepeat = map[string]bool{"Generate": true, "GenerateStream": true, "DeployModel": true, "Check": true}

// Idempotent reports whether a call may be sent again: reads (Get*, List*, Watch*), sampling
// and deploys, and creates carrying an idempotency key (request_id, feedback_id), which the
// server deduplicates. method is the full method name, "/kiln.v1.JobService/GetJob".
func Idempotent(method string, req interface{}) bool {
	name := method[strings.LastIndex(method, "/")+1:]
	if strings.HasPrefix(name, "Get") || strings.HasPrefix(name, "List") || strings.HasPrefix(name, "Watch") || safeToRepeat[name] {
		return true
	}
	m, ok := req.(proto.Message)
	if !ok {
		return false
	}
	msg := m.ProtoReflect()
	for _, key := range []protoreflect.Name{"request_id", "feedback_id"} {
		if fd := msg.Descriptor().Fields().ByName(key); fd != nil && msg.Get(fd).String() != "" {
			return true
		}
	}
	return false
}

// delay is how long to wait before retry number retries+1, or false to give up.
func (p RetryPolicy) delay(err *Error, retries int) (time.Duration, bool) {
	if (err.Code != codes.Unavailable && err.Code != codes.ResourceExhausted) || retries >= p.MaxRetries {
		return 0, false
	}
	d, ok := err.RetryDelay()
	if !ok {
		d = p.InitialBackoff << retries
	}
	if d > p.MaxDelay {
		return 0, false
	}
	return d + time.Duration(rand.Float64()*0.2*float64(d)), true
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return AsError(ctx.Err())
	}
}

type interceptors struct {
	timeout time.Duration
	retry   RetryPolicy
}

func (i *interceptors) unary(ctx context.Context, method string, req, reply interface{}, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	if _, ok := ctx.Deadline(); !ok {
		timeout, slow := slowTimeouts[method[strings.LastIndex(method, "/")+1:]]
		if !slow {
			timeout = i.timeout
		}
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	retryable := Idempotent(method, req)
	for retries := 0; ; retries++ {
		err := AsError(invoker(ctx, method, req, reply, cc, opts...))
		if err == nil {
			return nil
		}
		d, ok := i.retry.delay(err, retries)
		if !retryable || !ok {
			return err
		}
		if serr := sleep(ctx, d); serr != nil {
			return err
		}
	}
}

func (i *interceptors) stream(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
	cs, err := streamer(ctx, desc, cc, method, opts...)
	if err != nil {
		return nil, AsError(err)
	}
	return &retryingStream{ClientStream: cs, ctx: ctx, desc: desc, cc: cc, method: method, streamer: streamer, opts: opts, policy: i.retry}, nil
}

// retryingStream converts stream errors to *Error and, for a server stream of an idempotent
// call that fails before its first message, opens it again (later the caller already has output
// that a retry would repeat).
type retryingStream struct {
	grpc.ClientStream
	ctx      context.Context
	desc     *grpc.StreamDesc
	cc       *grpc.ClientConn
	method   string
	streamer grpc.Streamer
	opts     []grpc.CallOption
	policy   RetryPolicy
	request  interface{}
	received bool
	retries  int
}

func (s *retryingStream) SendMsg(m interface{}) error {
	s.request = m
	if err := s.ClientStream.SendMsg(m); err != nil && err != io.EOF {
		return AsError(err)
	} else {
		return err
	}
}

func (s *retryingStream) RecvMsg(m interface{}) error {
	for {
		err := s.ClientStream.RecvMsg(m)
		if err == nil {
			s.received = true
			return nil
		}
		if err == io.EOF {
			return err
		}
		kerr := AsError(err)
		if s.received || s.desc.ClientStreams || !Idempotent(s.method, s.request) {
			return kerr
		}
		d, ok := s.policy.delay(kerr, s.retries)
		if !ok || sleep(s.ctx, d) != nil {
			return kerr
		}
		s.retries++
		cs, err := s.streamer(s.ctx, s.desc, s.cc, s.method, s.opts...)
		if err != nil {
			return AsError(err)
		}
		if err := cs.SendMsg(s.request); err != nil {
			return AsError(err)
		}
		if err := cs.CloseSend(); err != nil {
			return AsError(err)
		}
		s.ClientStream = cs
	}
}
