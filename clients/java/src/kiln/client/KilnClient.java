package kiln.client;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import kiln.v1.Dataset;
import kiln.v1.DatasetMetadata;
import kiln.v1.DatasetServiceGrpc;
import kiln.v1.EvaluationServiceGrpc;
import kiln.v1.FeedbackServiceGrpc;
import kiln.v1.JobServiceGrpc;
import kiln.v1.ModelServiceGrpc;
import kiln.v1.SamplingServiceGrpc;
import kiln.v1.UploadDatasetRequest;

/**
 * A thin client for the Kiln API over grpc-java and the generated kiln.v1 stubs.
 *
 * <pre>{@code
 * try (KilnClient kiln = KilnClient.builder().build()) {   // $KILN_TARGET, $KILN_API_KEY
 *   Job job = kiln.call(JobServiceGrpc.getGetJobMethod(), GetJobRequest.newBuilder().setName(name).build());
 *   kiln.stream(JobServiceGrpc.getWatchJobMethod(), watch).forEachRemaining(System.out::println);
 * }
 * }</pre>
 *
 * <p>Every call carries the API key and a deadline, throws {@link KilnException} (status code
 * plus the decoded google.rpc details), and is retried on UNAVAILABLE / RESOURCE_EXHAUSTED when
 * it is safe to repeat ({@link #isIdempotent}). The generated blocking and future stubs are
 * available too ({@link #jobs()}, ...), with the API key attached.
 */
public final class KilnClient implements AutoCloseable {
  public static final String DEFAULT_TARGET = "127.0.0.1:50051";
  // RPCs that wait for real work get longer default deadlines than the rest.
  private static final Map<String, Duration> SLOW_TIMEOUTS = Map.of(
      "DeployModel", Duration.ofMinutes(5),
      "UndeployModel", Duration.ofMinutes(2),
      "ExportModel", Duration.ofMinutes(15),
      "UploadDataset", Duration.ofMinutes(5));

  private final ManagedChannel managed;
  private final Channel channel;
  private final Duration timeout;
  private final RetryPolicy retry;

  private KilnClient(Builder b) {
    ManagedChannelBuilder<?> builder = ManagedChannelBuilder.forTarget(b.target)
        .maxInboundMessageSize(16 << 20); // the gateway's limit: large pages are never cut off here
    if (!b.tls) {
      builder.usePlaintext();
    }
    managed = builder.build();
    Metadata auth = new Metadata();
    if (b.apiKey != null && !b.apiKey.isEmpty()) {
      auth.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + b.apiKey);
    }
    channel = ClientInterceptors.intercept(managed, MetadataUtils.newAttachHeadersInterceptor(auth));
    timeout = b.timeout;
    retry = b.retry;
  }

  /** Settings default to $KILN_TARGET (else 127.0.0.1:50051) and $KILN_API_KEY. */
  public static Builder builder() {
    return new Builder();
  }

  public static final class Builder {
    private String target = Optional.ofNullable(System.getenv("KILN_TARGET")).orElse(DEFAULT_TARGET);
    private String apiKey = System.getenv("KILN_API_KEY");
    private Duration timeout = Duration.ofSeconds(30);
    private RetryPolicy retry = RetryPolicy.DEFAULT;
    private boolean tls = false;

    public Builder target(String target) {
      this.target = target;
      return this;
    }

    /** Sent as "authorization: Bearer KEY"; null or empty sends none. */
    public Builder apiKey(String apiKey) {
      this.apiKey = apiKey;
      return this;
    }

    /** Deadline of each attempt of a unary call (deploys and exports get more); streams get none. */
    public Builder timeout(Duration timeout) {
      this.timeout = timeout;
      return this;
    }

    public Builder retry(RetryPolicy retry) {
      this.retry = retry;
      return this;
    }

    /** TLS with the JVM's trust store; off by default (the gateway itself serves plaintext). */
    public Builder tls(boolean tls) {
      this.tls = tls;
      return this;
    }

    public KilnClient build() {
      return new KilnClient(this);
    }
  }

  /** The channel with the API key attached, for stubs of your own. */
  public Channel channel() {
    return channel;
  }

  public DatasetServiceGrpc.DatasetServiceBlockingStub datasets() {
    return DatasetServiceGrpc.newBlockingStub(channel);
  }

  public JobServiceGrpc.JobServiceBlockingStub jobs() {
    return JobServiceGrpc.newBlockingStub(channel);
  }

  public ModelServiceGrpc.ModelServiceBlockingStub models() {
    return ModelServiceGrpc.newBlockingStub(channel);
  }

  public SamplingServiceGrpc.SamplingServiceBlockingStub sampling() {
    return SamplingServiceGrpc.newBlockingStub(channel);
  }

  public FeedbackServiceGrpc.FeedbackServiceBlockingStub feedback() {
    return FeedbackServiceGrpc.newBlockingStub(channel);
  }

  public EvaluationServiceGrpc.EvaluationServiceBlockingStub evaluations() {
    return EvaluationServiceGrpc.newBlockingStub(channel);
  }

  /**
   * Whether a call may be sent again: reads (Get*, List*, Watch*), sampling and deploys, and
   * creates carrying a non-empty request_id or feedback_id, which the server deduplicates.
   */
  public static boolean isIdempotent(String method, Message request) {
    if (method.startsWith("Get") || method.startsWith("List") || method.startsWith("Watch")
        || method.equals("Generate") || method.equals("GenerateStream") || method.equals("DeployModel")) {
      return true;
    }
    for (String key : new String[] {"request_id", "feedback_id"}) {
      FieldDescriptor field = request.getDescriptorForType().findFieldByName(key);
      if (field != null && !request.getField(field).toString().isEmpty()) {
        return true;
      }
    }
    return false;
  }

  /** Any unary RPC: {@code kiln.call(JobServiceGrpc.getGetJobMethod(), request)}. */
  public <Req extends Message, Res> Res call(MethodDescriptor<Req, Res> method, Req request) {
    return call(method, request, null);
  }

  /** As {@link #call(MethodDescriptor, Message)} with this call's own deadline per attempt. */
  public <Req extends Message, Res> Res call(MethodDescriptor<Req, Res> method, Req request, Duration timeout) {
    String name = method.getBareMethodName();
    boolean retryable = isIdempotent(name, request);
    Duration deadline = timeout != null ? timeout : SLOW_TIMEOUTS.getOrDefault(name, this.timeout);
    for (int retries = 0; ; retries++) {
      try {
        return ClientCalls.blockingUnaryCall(channel, method, withDeadline(deadline), request);
      } catch (StatusRuntimeException e) {
        KilnException error = KilnException.from(e);
        Optional<Duration> delay = retryable ? retry.delay(error, retries) : Optional.empty();
        if (delay.isEmpty()) {
          throw error;
        }
        sleep(delay.get());
      }
    }
  }

  /**
   * Any server-streaming RPC, as a blocking iterator: {@code kiln.stream(JobServiceGrpc.getWatchJobMethod(),
   * request)}. Failures surface from hasNext()/next() as KilnException; an idempotent stream that
   * fails before its first message is opened again. Streams get no default deadline.
   */
  public <Req extends Message, Res> Iterator<Res> stream(MethodDescriptor<Req, Res> method, Req request) {
    boolean retryable = isIdempotent(method.getBareMethodName(), request);
    return new Iterator<Res>() {
      private Iterator<Res> current = ClientCalls.blockingServerStreamingCall(channel, method, CallOptions.DEFAULT, request);
      private boolean received;
      private int retries;

      @Override
      public boolean hasNext() {
        while (true) {
          try {
            return current.hasNext();
          } catch (StatusRuntimeException e) {
            KilnException error = KilnException.from(e);
            // After the first message a retry would repeat output the caller already has.
            Optional<Duration> delay = received || !retryable ? Optional.empty() : retry.delay(error, retries++);
            if (delay.isEmpty()) {
              throw error;
            }
            sleep(delay.get());
            current = ClientCalls.blockingServerStreamingCall(channel, method, CallOptions.DEFAULT, request);
          }
        }
      }

      @Override
      public Res next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        received = true;
        return current.next();
      }
    };
  }

  /**
   * Streams JSONL bytes as a dataset: the metadata, then 1 MiB chunks. Not retried; with
   * metadata.request_id set, calling it again after a failure is safe.
   */
  public Dataset uploadDataset(DatasetMetadata metadata, byte[] data) {
    CompletableFuture<Dataset> result = new CompletableFuture<>();
    StreamObserver<UploadDatasetRequest> requests = ClientCalls.asyncClientStreamingCall(
        channel.newCall(DatasetServiceGrpc.getUploadDatasetMethod(), withDeadline(SLOW_TIMEOUTS.get("UploadDataset"))),
        new StreamObserver<Dataset>() {
          @Override
          public void onNext(Dataset value) {
            result.complete(value);
          }

          @Override
          public void onError(Throwable t) {
            result.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {}
        });
    requests.onNext(UploadDatasetRequest.newBuilder().setMetadata(metadata).build());
    int chunk = 1 << 20;
    for (int at = 0; at < data.length; at += chunk) {
      requests.onNext(UploadDatasetRequest.newBuilder()
          .setChunk(com.google.protobuf.ByteString.copyFrom(data, at, Math.min(chunk, data.length - at)))
          .build());
    }
    requests.onCompleted();
    try {
      return result.get();
    } catch (ExecutionException e) {
      throw KilnException.from(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw KilnException.from(e);
    }
  }

  private static CallOptions withDeadline(Duration deadline) {
    return deadline.isZero() ? CallOptions.DEFAULT : CallOptions.DEFAULT.withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS);
  }

  private static void sleep(Duration delay) {
    try {
      Thread.sleep(delay.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw KilnException.from(e);
    }
  }

  @Override
  public void close() throws InterruptedException {
    managed.shutdown().awaitTermination(5, TimeUnit.SECONDS);
  }
}
