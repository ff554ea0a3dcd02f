package kiln.client;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.BadRequest;
import com.google.rpc.PreconditionFailure;
import com.google.rpc.QuotaFailure;
import com.google.rpc.ResourceInfo;
import com.google.rpc.RetryInfo;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * A failed Kiln call with the google.rpc.Status details the gateway attached (in the
 * grpc-status-details-bin trailer), decoded. It is a StatusRuntimeException, so code written
 * against plain grpc-java keeps working.
 */
public final class KilnException extends StatusRuntimeException {
  private final List<BadRequest.FieldViolation> fieldViolations = new ArrayList<>();
  private ResourceInfo resourceInfo;
  private Duration retryDelay;
  private PreconditionFailure preconditionFailure;
  private QuotaFailure quotaFailure;
  private final com.google.rpc.Status details;

  private KilnException(Status status, Metadata trailers) {
    super(status, trailers);
    com.google.rpc.Status parsed = StatusProto.fromStatusAndTrailers(status, trailers);
    details = parsed;
    for (Any any : parsed.getDetailsList()) {
      try {
        if (any.is(BadRequest.class)) {
          fieldViolations.addAll(any.unpack(BadRequest.class).getFieldViolationsList());
        } else if (any.is(ResourceInfo.class)) {
          resourceInfo = any.unpack(ResourceInfo.class);
        } else if (any.is(RetryInfo.class)) {
          com.google.protobuf.Duration d = any.unpack(RetryInfo.class).getRetryDelay();
          retryDelay = Duration.ofSeconds(d.getSeconds(), d.getNanos());
        } else if (any.is(PreconditionFailure.class)) {
          preconditionFailure = any.unpack(PreconditionFailure.class);
        } else if (any.is(QuotaFailure.class)) {
          quotaFailure = any.unpack(QuotaFailure.class);
        }
      } catch (InvalidProtocolBufferException e) {
        // A detail that does not parse is skipped; the status code and message still stand.
      }
    }
  }

  /** Wraps any failure of a call; a StatusRuntimeException gets its details decoded. */
  public static KilnException from(Throwable error) {
    if (error instanceof KilnException) {
      return (KilnException) error;
    }
    Status status = Status.fromThrowable(error);
    Metadata trailers = Status.trailersFromThrowable(error);
    return new KilnException(status, trailers == null ? new Metadata() : trailers);
  }

  /** The gRPC status code, e.g. Status.Code.INVALID_ARGUMENT. */
  public Status.Code code() {
    return getStatus().getCode();
  }

  /** The server's message, without the code. */
  public String message() {
    String description = getStatus().getDescription();
    return description == null ? "" : description;
  }

  /** BadRequest field violations of an INVALID_ARGUMENT, e.g. field "params.temperature". */
  public List<BadRequest.FieldViolation> fieldViolations() {
    return Collections.unmodifiableList(fieldViolations);
  }

  /** The resource a NOT_FOUND is about. */
  public Optional<ResourceInfo> resourceInfo() {
    return Optional.ofNullable(resourceInfo);
  }

  /** The server's RetryInfo delay (RESOURCE_EXHAUSTED, UNAVAILABLE). */
  public Optional<Duration> retryDelay() {
    return Optional.ofNullable(retryDelay);
  }

  public Optional<PreconditionFailure> preconditionFailure() {
    return Optional.ofNullable(preconditionFailure);
  }

  public Optional<QuotaFailure> quotaFailure() {
    return Optional.ofNullable(quotaFailure);
  }

  /** Every detail as sent, including types this class does not decode. */
  public com.google.rpc.Status statusDetails() {
    return details;
  }

  @Override
  public String getMessage() {
    StringBuilder text = new StringBuilder(code() + ": " + message());
    for (BadRequest.FieldViolation v : fieldViolations) {
      text.append("\n  ").append(v.getField()).append(": ").append(v.getDescription());
    }
    if (retryDelay != null) {
      text.append("\n  retry after ").append(retryDelay.toMillis()).append(" ms");
    }
    return text.toString();
  }
}
