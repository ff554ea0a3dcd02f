package kiln

import (
	"testing"
	"time"

	kilnv1 "kiln/clients/go/gen/kiln/v1"

	"github.com/golang/protobuf/ptypes"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
)

func TestIdempotent(t *testing.T) {
	cases := []struct {
		method string
		req    interface{}
		want   bool
	}{
		{"/kiln.v1.JobService/GetJob", &kilnv1.GetJobRequest{}, true},
		{"/kiln.v1.JobService/ListJobs", &kilnv1.ListJobsRequest{}, true},
		{"/kiln.v1.SamplingService/Generate", &kilnv1.GenerateRequest{}, true},
		{"/kiln.v1.JobService/CreateJob", &kilnv1.CreateJobRequest{}, false},
		{"/kiln.v1.JobService/CreateJob", &kilnv1.CreateJobRequest{RequestId: "k"}, true},
		{"/kiln.v1.FeedbackService/SubmitFeedback", &kilnv1.SubmitFeedbackRequest{FeedbackId: "f"}, true},
		{"/kiln.v1.JobService/CancelJob", &kilnv1.CancelJobRequest{Name: "jobs/j"}, false},
	}
	for _, c := range cases {
		if got := Idempotent(c.method, c.req); got != c.want {
			t.Errorf("Idempotent(%s, %v) = %v, want %v", c.method, c.req, got, c.want)
		}
	}
}

func TestDelayHonoursRetryInfoWithinBounds(t *testing.T) {
	p := RetryPolicy{MaxRetries: 2, InitialBackoff: 100 * time.Millisecond, MaxDelay: time.Second}
	withInfo := func(code codes.Code, d time.Duration) *Error {
		return &Error{Code: code, RetryInfo: &errdetails.RetryInfo{RetryDelay: ptypes.DurationProto(d)}}
	}
	if d, ok := p.delay(withInfo(codes.ResourceExhausted, 300*time.Millisecond), 0); !ok || d < 300*time.Millisecond || d > 360*time.Millisecond {
		t.Errorf("RetryInfo 300ms: got %v %v", d, ok)
	}
	if d, ok := p.delay(&Error{Code: codes.Unavailable}, 1); !ok || d < 200*time.Millisecond || d > 240*time.Millisecond {
		t.Errorf("backoff of the second retry: got %v %v", d, ok)
	}
	if _, ok := p.delay(withInfo(codes.Unavailable, time.Hour), 0); ok {
		t.Error("a delay past MaxDelay must not be waited for")
	}
	if _, ok := p.delay(&Error{Code: codes.Unavailable}, 2); ok {
		t.Error("no third retry")
	}
	if _, ok := p.delay(&Error{Code: codes.InvalidArgument}, 0); ok {
		t.Error("INVALID_ARGUMENT is final")
	}
}
